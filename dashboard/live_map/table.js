// The record table under the map (a Streamlit components-v2 element), fed like the map: the rows of a data
// version come from the map's data file (fetched once, shared with the map), and a rerun sends only which
// records are shown (the same bit mask) and which one is selected. Only the rows in view are in the page
// (a virtual list), so 100,000 records cost what 30 do. Sorting is done here; a row click or Enter picks
// the record (the app shows its details and frames it on the map). Text is set with textContent only.
import { loadData, decodeMask } from "./MAP_MODULE";

const CSS = `
:host, .bb-table { display: block; }
.bb-table { font-family: "Source Sans Pro", "DejaVu Sans", sans-serif; font-size: 14px; color: var(--text, #1f1f1f);
            border: 1px solid rgba(128,128,128,.35); border-radius: 6px; overflow: hidden; }
.bb-table .head, .bb-table .row { display: grid; grid-template-columns: var(--cols); align-items: center; }
.bb-table .head { background: rgba(128,128,128,.12); font-weight: 600; border-bottom: 1px solid rgba(128,128,128,.35); }
.bb-table .head button { all: unset; cursor: pointer; padding: 6px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bb-table .head button:focus-visible { outline: 2px solid #0072B2; outline-offset: -2px; }
.bb-table .body { position: relative; overflow-y: auto; outline: none; }
.bb-table .body:focus-visible { box-shadow: inset 0 0 0 2px #0072B2; }
.bb-table .row { position: absolute; left: 0; right: 0; height: var(--row); cursor: pointer; border-bottom: 1px solid rgba(128,128,128,.15); }
.bb-table .row:hover { background: rgba(0,114,178,.08); }
.bb-table .row.active { box-shadow: inset 3px 0 0 #0072B2; background: rgba(0,114,178,.12); }
.bb-table .row.selected { background: rgba(0,114,178,.22); font-weight: 600; }
.bb-table .row.unknown span:nth-child(5) { font-style: italic; }
.bb-table .row > span { padding: 0 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bb-table .empty { padding: 10px; opacity: .7; }
`;
const ROW = 30;
const COLUMNS = [  // header, width, value of record k, and what sorts it
  ["Name", "minmax(180px, 2.2fr)", function (D, k) { return D.records.name[k]; }],
  ["Instrument", "minmax(120px, 1.2fr)", function (D, k) { return D.records.cell[k] ? "AFIC risk analysis cell" : D.instruments[D.records.inst[k]].label; }],
  ["Partners", "minmax(140px, 1.8fr)", function (D, k) { return D.records.ptext[k]; }],
  ["Period", "minmax(150px, 1fr)", function (D, k) { return D.records.period[k]; }],
  ["Status", "minmax(90px, .8fr)", function (D, k) { return D.records.status[k]; }],
  ["Confidence", "90px", function (D, k) { return D.records.conf[k]; }],
  ["ID", "minmax(90px, .8fr)", function (D, k) { return D.records.id[k]; }]
];

class RecordTable {
  constructor() {
    this.style = document.createElement("style");
    this.style.textContent = CSS;
    this.root = document.createElement("div");
    this.root.className = "bb-table";
    this.root.style.setProperty("--cols", COLUMNS.map(function (c) { return c[1]; }).join(" "));
    this.root.style.setProperty("--row", ROW + "px");
    this.head = document.createElement("div");
    this.head.className = "head";
    this.head.setAttribute("role", "row");
    this.body = document.createElement("div");
    this.body.className = "body";
    this.body.tabIndex = 0;
    this.body.setAttribute("role", "grid");
    this.body.setAttribute("aria-label", "Records of the current filter. Arrow keys move, Enter opens the record.");
    this.spacer = document.createElement("div");
    this.body.appendChild(this.spacer);
    this.root.appendChild(this.head);
    this.root.appendChild(this.body);
    this.sortBy = -1; this.desc = false; this.rows = []; this.active = 0; this.D = null; this.args = null; this.key = null;
    this.unknown = new Set();
    COLUMNS.forEach((c, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.col = String(i);
      b.textContent = c[0];
      b.title = "Sort by " + c[0].toLowerCase();
      b.setAttribute("role", "columnheader");
      b.addEventListener("click", () => {
        this.desc = this.sortBy === i ? !this.desc : false;
        this.sortBy = i;
        this.version = this.key + "|" + i + "|" + this.desc;
        this.order();
        this.paint();
      });
      this.head.appendChild(b);
    });
    this.body.addEventListener("scroll", () => this.paint());
    this.body.addEventListener("click", (e) => {
      const row = e.target.closest(".row");
      if (row) { this.active = +row.dataset.pos; this.pick(+row.dataset.k); }
    });
    this.body.addEventListener("keydown", (e) => {
      if (!this.rows.length) { return; }
      if (e.key === "ArrowDown" || e.key === "ArrowUp" || e.key === "PageDown" || e.key === "PageUp" || e.key === "Home" || e.key === "End") {
        e.preventDefault();
        const page = Math.max(1, Math.floor(this.body.clientHeight / ROW) - 1);
        const step = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -this.rows.length, End: this.rows.length }[e.key];
        this.active = Math.max(0, Math.min(this.rows.length - 1, this.active + step));
        const top = this.active * ROW;
        if (top < this.body.scrollTop) { this.body.scrollTop = top; } else if (top + ROW > this.body.scrollTop + this.body.clientHeight) { this.body.scrollTop = top + ROW - this.body.clientHeight; }
        this.paint();
      } else if (e.key === "Enter") {
        e.preventDefault();
        this.pick(this.rows[this.active]);
      }
    });
  }

  attach(parent) {
    if (this.style.parentNode !== parent) { parent.appendChild(this.style); }
    if (this.root.parentNode !== parent) { parent.appendChild(this.root); }
  }

  pick(k) {
    if (this.trigger && k !== undefined) {
      this.trigger("pick", { id: this.D.records.id[k], token: Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8) });
    }
  }

  update(a) {
    this.body.style.height = a.height + "px";
    return loadData(a.data_url).then((D) => {
      const fresh = D !== this.D || a.state_key !== this.key;
      this.D = D; this.args = a;
      if (fresh) {
        this.version = a.state_key + "|" + this.sortBy + "|" + this.desc;
        this.unknown = new Set(a.unknown || []);
        const mask = decodeMask(a.shown, D.n), rows = [];
        for (let k = 0; k < D.n; k++) { if (mask[k]) { rows.push(k); } }
        this.rows = rows;
        this.order();
        this.key = a.state_key;
        this.active = Math.min(this.active, Math.max(0, rows.length - 1));
      }
      this.root.dataset.rows = String(this.rows.length);
      this.paint();
    });
  }

  order() {
    if (this.sortBy < 0 || !this.D) { return; }
    const get = COLUMNS[this.sortBy][2], D = this.D, sign = this.desc ? -1 : 1;
    const values = new Map(this.rows.map(function (k) { return [k, String(get(D, k) || "")]; }));
    this.rows.sort(function (a, b) { return sign * values.get(a).localeCompare(values.get(b)) || a - b; });
    Array.prototype.forEach.call(this.head.children, (b, i) => {
      b.setAttribute("aria-sort", i === this.sortBy ? (this.desc ? "descending" : "ascending") : "none");
      b.textContent = COLUMNS[i][0] + (i === this.sortBy ? (this.desc ? " ▼" : " ▲") : "");
    });
  }

  paint() {  // the rows in view (and a few around), each element kept while its row stays in view
    const D = this.D;
    if (!D) { return; }
    this.spacer.style.height = this.rows.length * ROW + "px";
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW) - 5);
    const last = Math.min(this.rows.length, first + Math.ceil((this.body.clientHeight || 400) / ROW) + 10);
    const keep = new Map(), selected = this.args.selected, focused = this.body === this.root.getRootNode().activeElement;
    Array.prototype.slice.call(this.body.querySelectorAll(".row")).forEach((row) => {
      const pos = +row.dataset.pos, k = +row.dataset.k;
      if (pos >= first && pos < last && this.rows[pos] === k && row.dataset.version === this.version) { keep.set(pos, row); } else { row.remove(); }
    });
    const empty = this.body.querySelector(".empty");
    if (empty && this.rows.length) { empty.remove(); }
    if (!this.rows.length && !empty) {
      const e = document.createElement("div"); e.className = "empty"; e.textContent = "No record matches the current filter.";
      this.body.appendChild(e);
    }
    for (let pos = first; pos < last; pos++) {
      const k = this.rows[pos];
      let row = keep.get(pos);
      if (!row) {
        row = document.createElement("div");
        row.style.top = pos * ROW + "px";
        row.dataset.k = String(k); row.dataset.pos = String(pos); row.dataset.id = D.records.id[k]; row.dataset.version = this.version;
        row.setAttribute("role", "row");
        COLUMNS.forEach(function (c) {
          const cell = document.createElement("span");
          cell.setAttribute("role", "gridcell");
          cell.textContent = String(c[2](D, k) || "");
          cell.title = cell.textContent;
          row.appendChild(cell);
        });
        if (this.unknown.has(k)) { row.children[4].textContent += " · date unknown on the day"; row.children[4].title = row.children[4].textContent; }
        this.body.appendChild(row);
      }
      row.className = "row" + (k === selected ? " selected" : "") + (this.unknown.has(k) ? " unknown" : "") + (pos === this.active && focused ? " active" : "");
      row.setAttribute("aria-selected", k === selected ? "true" : "false");
    }
  }
}

let table = null;  // one record table per page

export function renderTable(component) {
  if (!table) {
    table = new RecordTable();
    table.body.addEventListener("focus", () => table.paint());
    table.body.addEventListener("blur", () => table.paint());
  }
  table.attach(component.parentElement);
  table.trigger = component.setTriggerValue;
  table.update(component.data);
  return function () { /* the table stays; see render() in the map's module */ };
}
