// The film viewer: a components-v2 module shared by every element that mounts it.
//
// Two kinds of element mount this module. The film carrier (data.role "film") delivers one film's pixels; its
// message never changes while the film stays, so Streamlit sends it once per film and a reference after that.
// A viewer (data.role "viewer") draws panes of that film with their heatmaps and overlays; its DOM, its view
// (zoom, pan, window) and its settings live here across reruns, so changing the method, class, layer or model
// never moves the film. All text from Python is set with textContent, never as HTML.

const FILMS = new Map(); // film id -> {id, width, height, bitmapWidth, bitmapHeight, values: Uint16Array, units}
const WAITING = new Map(); // film id -> callbacks waiting for that film
const VIEWERS = new WeakMap(); // the element's root -> its Viewer
const FILMS_KEPT = 3;
const STORE = "cxr-viewer";
const WHEEL_STEP = 1.0015; // zoom factor per wheel delta unit
const WRAP_PANE_PX = 240; // the narrowest pane when many panes wrap into rows
const MAX_ZOOM = 16; // screen pixels per film pixel
const HANDLE_PX = 7;
const PROXY_PIXELS = 0.5e6; // window/level drags on larger films re-window a copy of about this many pixels
const SETTINGS_SYNC_MS = 1200; // the settings reach Python this long after the last change (downloads use them)
const KEYS_HELP = [
  ["wheel / pinch", "zoom about the pointer"],
  ["drag / two fingers", "pan (Pan tool)"],
  ["right-drag", "window / level (any tool)"],
  ["P  W  B  E", "tools: pan, window/level, rectangle, ellipse"],
  ["+  −  arrows", "zoom, pan"],
  ["0  or  R", "reset the view"],
  ["I", "invert"],
  ["H  O  X", "heatmap, lung outline, radiologist's box"],
  ["Delete", "delete the selected mark"],
  ["Esc", "cancel / deselect"],
];

export default function (component) {
  const { data, parentElement } = component;
  if (!data || typeof data !== "object") return undefined;
  if (data.role === "film") {
    receiveFilm(data, parentElement);
    return undefined;
  }
  let viewer = VIEWERS.get(parentElement);
  if (!viewer) {
    viewer = new Viewer(parentElement);
    VIEWERS.set(parentElement, viewer);
  }
  viewer.update(data, component);
  // Streamlit calls the cleanup of a superseded call too; only a detached element is really gone.
  return () => {
    if (!parentElement.isConnected) {
      viewer.destroy();
      VIEWERS.delete(parentElement);
    }
  };
}

// ---------- films and heatmaps ----------

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function pngPixels(base64) {
  // RGBA of a PNG exactly as stored: no colour management, no premultiplied alpha.
  const blob = new Blob([base64Bytes(base64)], { type: "image/png" });
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  bitmap.close?.();
  return { width: canvas.width, height: canvas.height, rgba };
}

async function receiveFilm(data, root) {
  if (root.host) root.host.style.display = "none"; // the carrier shows nothing
  if (FILMS.has(data.id)) return;
  try {
    const { width, height, rgba } = await pngPixels(data.png);
    const values = new Uint16Array(width * height); // red: high byte, green: low byte of the 16-bit value
    for (let i = 0, j = 0; i < values.length; i++, j += 4) values[i] = (rgba[j] << 8) | rgba[j + 1];
    FILMS.set(data.id, {
      id: data.id,
      width: data.size[0],
      height: data.size[1],
      bitmapWidth: width,
      bitmapHeight: height,
      values,
      units: data.units,
      levels: data.levels || 65535,
      decimals: data.decimals,
    });
  } catch (error) {
    FILMS.set(data.id, { id: data.id, error: String(error) });
  }
  while (FILMS.size > FILMS_KEPT) FILMS.delete(FILMS.keys().next().value);
  for (const callback of WAITING.get(data.id) || []) callback(FILMS.get(data.id));
  WAITING.delete(data.id);
}

function whenFilm(id, callback) {
  if (FILMS.has(id)) return callback(FILMS.get(id));
  if (!WAITING.has(id)) WAITING.set(id, []);
  WAITING.get(id).push(callback);
  return undefined;
}

function colourTable(hex) {
  // "rrggbb" x 256 -> Uint8Array(768)
  const table = new Uint8Array(768);
  for (let i = 0; i < 768; i++) table[i] = parseInt(hex.substr(i * 2, 2), 16);
  return table;
}

// ---------- small helpers ----------

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function readStore(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(`${STORE}:${key}`));
    return value === null ? fallback : value;
  } catch (error) {
    return fallback;
  }
}

function writeStore(key, value) {
  try {
    localStorage.setItem(`${STORE}:${key}`, JSON.stringify(value));
  } catch (error) {
    /* private mode or a full store: the view is simply not remembered */
  }
}

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const round1 = (value) => Math.round(value * 10) / 10;

// ---------- the viewer ----------

class Viewer {
  constructor(parent) {
    this.parent = parent;
    parent.querySelector?.(".cxr-fallback")?.remove();
    this.root = element("div", "cxr-viewer", parent);
    this.root.dataset.testid = "cxr-viewer";
    this.root.tabIndex = 0;
    this.toolbar = element("div", "cxr-toolbar", this.root);
    this.panesBox = element("div", "cxr-panes", this.root);
    this.status = element("div", "cxr-status", this.root, " ");
    this.markList = element("div", "cxr-marks", this.root);
    this.help = element("div", "cxr-help", this.root);
    this.help.hidden = true;
    for (const [keys, what] of KEYS_HELP) {
      const row = element("div", "cxr-help-row", this.help);
      element("kbd", "", row, keys);
      element("span", "", row, what);
    }
    this.settings = {
      opacity: null,
      colormap: null,
      outline: true,
      boxes: true,
      invert: false,
      layout: null,
      tool: "pan",
      ...readStore("settings", {}),
    };
    this.film = null;
    this.filmId = null;
    this.view = null; // {cx, cy, s, fit}: centre in film pixels, screen pixels per film pixel
    this.window = null; // [low, high] as fractions of the film's range
    this.panes = [];
    this.heat = new Map(); // heat png -> {canvas, values, width, height} (coloured for this.colourKey)
    this.marks = [];
    this.selected = null;
    this.gesture = null;
    this.pointers = new Map();
    this.filmCanvas = document.createElement("canvas");
    this.lastSent = {};
    this.resize = new ResizeObserver(() => this.layout());
    this.resize.observe(this.panesBox);
    this.root.addEventListener("keydown", (event) => this.key(event));
  }

  destroy() {
    this.resize.disconnect();
    clearTimeout(this.settingsTimer);
  }

  // ----- data from Python -----

  update(data, component) {
    this.component = component;
    this.data = data;
    this.colours = Object.fromEntries(Object.entries(data.colormaps).map(([n, hex]) => [n, colourTable(hex)]));
    if (!this.colours[this.settings.colormap]) this.settings.colormap = data.defaults.colormap;
    if (this.settings.opacity === null) this.settings.opacity = data.defaults.opacity;
    const layouts = data.layouts.map((l) => l.id);
    if (!layouts.includes(this.settings.layout)) this.settings.layout = data.defaults.layout;
    if (!data.tools.includes(this.settings.tool)) this.settings.tool = "pan";
    this.buildToolbar();
    this.buildPanes();
    this.loadHeat();
    if (data.film !== this.filmId) this.changeFilm(data); // marks are taken from Python with each new film
    this.layout();
  }

  changeFilm(data) {
    this.cancelGesture(); // a film replaced mid-drag ends that drag; nothing is applied to the new film
    this.filmId = data.film;
    this.film = null;
    this.selected = null;
    this.takeMarks(data);
    this.root.dataset.ready = "0";
    this.root.dataset.film = data.film;
    this.status.textContent = "Loading the film…";
    whenFilm(data.film, (film) => {
      if (film.id !== this.filmId) return; // another film came meanwhile
      if (film.error) {
        this.status.textContent = `The film could not be shown in this browser (${film.error}).`;
        return;
      }
      this.film = film;
      this.prepareProxy();
      const saved = readStore(`film:${film.id}`, null);
      this.window = saved && saved.window ? saved.window : [0, 1];
      this.view = saved && saved.view ? saved.view : null;
      this.renderFilm(false);
      this.layout();
      this.root.dataset.ready = "1";
      this.status.textContent = " ";
      this.syncSettings();
    });
  }

  takeMarks(data) {
    this.marks = (data.marks || []).map((m) => ({ ...m }));
    this.selected = null;
    this.showMarks();
  }

  // ----- DOM -----

  buildToolbar() {
    const data = this.data;
    const signature = JSON.stringify([data.tools, data.presets, data.layouts, Object.keys(data.colormaps), data.phone]);
    if (signature === this.toolbarSignature) return this.refreshToolbar();
    this.toolbarSignature = signature;
    this.toolbar.replaceChildren();
    this.toolButtons = {};
    const tools = element("div", "cxr-group", this.toolbar);
    const names = { pan: "Pan", wl: "W/L", rect: "▭ Box", ellipse: "◯ Ellipse" };
    const tips = {
      pan: "Drag to pan (P)",
      wl: "Drag to change window (left-right) and level (up-down) (W)",
      rect: "Draw a rectangle on the film (B)",
      ellipse: "Draw an ellipse on the film (E)",
    };
    for (const tool of ["pan", "wl", ...data.tools.filter((t) => t !== "pan" && t !== "wl")]) {
      const button = element("button", "cxr-button", tools, names[tool] || tool);
      button.title = tips[tool] || tool;
      button.onclick = () => this.setTool(tool);
      this.toolButtons[tool] = button;
    }
    // On a phone the rarer settings fold behind one button, so the film starts within the first screen.
    const extra = data.phone ? element("div", "cxr-more", this.toolbar) : this.toolbar;
    if (data.phone) {
      extra.hidden = true;
      const more = element("button", "cxr-button", tools, "More");
      more.title = "Window, invert, opacity, colours, overlays, panes";
      more.onclick = () => {
        extra.hidden = !extra.hidden;
        more.classList.toggle("cxr-on", !extra.hidden);
      };
    }
    const windowGroup = element("div", "cxr-group", extra);
    this.presetSelect = element("select", "cxr-select", windowGroup);
    this.presetSelect.title = "Window presets, in the film's own units";
    this.presetSelect.setAttribute("aria-label", "Window preset");
    element("option", "", this.presetSelect, "Window…").value = "";
    for (const preset of data.presets) element("option", "", this.presetSelect, preset.name).value = preset.name;
    this.presetSelect.onchange = () => {
      const preset = this.data.presets.find((p) => p.name === this.presetSelect.value);
      if (preset) this.setWindow([preset.low, preset.high], true);
      this.presetSelect.value = "";
    };
    this.invertBox = this.checkbox(windowGroup, "Invert", "invert", "Invert the film (I)");
    const heatGroup = element("div", "cxr-group", extra);
    this.heatGroup = heatGroup;
    const opacityLabel = element("label", "cxr-label", heatGroup, "Opacity ");
    this.opacity = element("input", "cxr-range", opacityLabel);
    Object.assign(this.opacity, { type: "range", min: "0", max: "1", step: "0.05" });
    this.opacity.setAttribute("aria-label", "Heatmap opacity");
    this.opacity.oninput = () => {
      this.settings.opacity = Number(this.opacity.value);
      this.settingsChanged();
    };
    this.colormapSelect = element("select", "cxr-select", heatGroup);
    this.colormapSelect.setAttribute("aria-label", "Colormap");
    for (const name of Object.keys(data.colormaps)) element("option", "", this.colormapSelect, name).value = name;
    this.colormapSelect.onchange = () => {
      this.settings.colormap = this.colormapSelect.value;
      this.heat.clear();
      this.loadHeat();
      this.settingsChanged();
    };
    this.legend = element("span", "cxr-legend", heatGroup);
    this.legend.title = "cold → hot";
    const overlays = element("div", "cxr-group", extra);
    this.outlineBox = this.checkbox(overlays, "Lungs", "outline", "Lung outline (O)");
    this.boxesBox = this.checkbox(overlays, "Radiologist", "boxes", "The radiologist's box (X)");
    this.layoutSelect = element("select", "cxr-select", overlays);
    this.layoutSelect.setAttribute("aria-label", "Panes");
    for (const layout of data.layouts) element("option", "", this.layoutSelect, layout.label).value = layout.id;
    this.layoutSelect.hidden = data.layouts.length < 2;
    this.layoutSelect.onchange = () => {
      this.settings.layout = this.layoutSelect.value;
      this.saveSettings();
      this.buildPanes();
      this.layout();
    };
    const end = data.phone ? tools : element("div", "cxr-group", this.toolbar);
    const reset = element("button", "cxr-button", end, "Reset");
    reset.title = "Reset zoom, pan and window (R or 0)";
    reset.onclick = () => this.reset();
    const help = element("button", "cxr-button", end, "?");
    help.title = "Mouse, touch and keyboard";
    help.setAttribute("aria-label", "Viewer help");
    help.onclick = () => {
      this.help.hidden = !this.help.hidden;
    };
    return this.refreshToolbar();
  }

  checkbox(parent, label, setting, title) {
    const wrap = element("label", "cxr-check", parent);
    wrap.title = title;
    const box = element("input", "", wrap);
    box.type = "checkbox";
    element("span", "", wrap, label);
    box.onchange = () => this.toggle(setting, box.checked);
    return box;
  }

  refreshToolbar() {
    const data = this.data;
    for (const [tool, button] of Object.entries(this.toolButtons)) {
      button.classList.toggle("cxr-on", this.settings.tool === tool);
    }
    this.opacity.value = String(this.settings.opacity);
    this.colormapSelect.value = this.settings.colormap;
    this.invertBox.checked = this.settings.invert;
    this.outlineBox.checked = this.settings.outline;
    this.outlineBox.parentElement.hidden = !data.outline;
    this.boxesBox.checked = this.settings.boxes;
    this.boxesBox.parentElement.hidden = !(data.boxes && data.boxes.length);
    this.heatGroup.hidden = !data.panes.some((p) => p.heat);
    this.layoutSelect.value = this.settings.layout;
    const table = this.colours[this.settings.colormap];
    const stops = [0, 64, 128, 192, 255].map((i) => `rgb(${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]})`);
    this.legend.style.background = `linear-gradient(to right, ${stops.join(",")})`;
    this.panesBox.dataset.tool = this.settings.tool;
    return undefined;
  }

  shownPanes() {
    const layout = this.data.layouts.find((l) => l.id === this.settings.layout);
    const keys = layout ? layout.panes : null;
    return this.data.panes.filter((pane) => !keys || keys.includes(pane.key));
  }

  buildPanes() {
    const shown = this.shownPanes();
    const signature = shown.map((p) => p.key).join("|");
    if (signature !== this.paneSignature) {
      this.paneSignature = signature;
      this.panesBox.replaceChildren();
      this.panes = shown.map((pane) => {
        const box = element("div", "cxr-pane", this.panesBox);
        const title = element("div", "cxr-title", box);
        const canvas = element("canvas", "cxr-canvas", box);
        this.listen(canvas);
        return { key: pane.key, box, title, canvas };
      });
    }
    for (const pane of this.panes) {
      const source = shown.find((p) => p.key === pane.key);
      pane.spec = source;
      pane.title.textContent = source.title;
      pane.title.title = source.title;
    }
  }

  loadHeat() {
    for (const pane of this.data.panes) {
      if (!pane.heat || this.heat.has(pane.heat)) continue;
      const entry = { canvas: null };
      this.heat.set(pane.heat, entry);
      pngPixels(pane.heat).then(({ width, height, rgba }) => {
        const values = new Uint8Array(width * height);
        for (let i = 0; i < values.length; i++) values[i] = rgba[i * 4];
        Object.assign(entry, { width, height, values, canvas: this.colourHeat(width, height, values) });
        this.draw();
      });
    }
    const wanted = new Set(this.data.panes.map((p) => p.heat));
    for (const key of [...this.heat.keys()]) if (!wanted.has(key)) this.heat.delete(key);
  }

  colourHeat(width, height, values) {
    // The colormap's colour per heat value, its alpha rising to full at data.full_opacity_at (as model/overlay.py).
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const image = context.createImageData(width, height);
    const table = this.colours[this.settings.colormap];
    const full = this.data.full_opacity_at * 255;
    for (let i = 0, j = 0; i < values.length; i++, j += 4) {
      const v = values[i];
      image.data[j] = table[v * 3];
      image.data[j + 1] = table[v * 3 + 1];
      image.data[j + 2] = table[v * 3 + 2];
      image.data[j + 3] = Math.round(255 * Math.min(1, v / full));
    }
    context.putImageData(image, 0, 0);
    return canvas;
  }

  // ----- the film's window -----

  prepareProxy() {
    // A film of more than PROXY_PIXELS is windowed on a reduced copy while a window/level drag is under way (the
    // full film is windowed again when the drag ends), so each step of the drag stays quick.
    const film = this.film;
    this.proxy = null;
    const pixels = film.bitmapWidth * film.bitmapHeight;
    if (pixels <= PROXY_PIXELS) return;
    const step = Math.ceil(Math.sqrt(pixels / PROXY_PIXELS));
    const width = Math.ceil(film.bitmapWidth / step);
    const height = Math.ceil(film.bitmapHeight / step);
    const values = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) values[y * width + x] = film.values[step * y * film.bitmapWidth + step * x];
    }
    this.proxy = { width, height, values };
  }

  renderFilm(quick) {
    const film = this.film;
    if (!film) return;
    const source = quick && this.proxy ? this.proxy : { width: film.bitmapWidth, height: film.bitmapHeight, values: film.values };
    const started = performance.now();
    const [low, high] = this.window;
    const span = Math.max(high - low, 1e-6);
    const levels = film.levels;
    const lut = new Uint32Array(levels + 1); // film step -> opaque grey RGBA (little-endian)
    for (let v = 0; v <= levels; v++) {
      let g = Math.round(clamp((v / levels - low) / span, 0, 1) * 255);
      if (this.settings.invert) g = 255 - g;
      lut[v] = 0xff000000 | (g << 16) | (g << 8) | g;
    }
    const canvas = this.filmCanvas;
    if (canvas.width !== source.width || canvas.height !== source.height) {
      canvas.width = source.width;
      canvas.height = source.height;
      this.filmContext = canvas.getContext("2d");
      this.filmImage = this.filmContext.createImageData(source.width, source.height);
    }
    const out = new Uint32Array(this.filmImage.data.buffer);
    const values = source.values;
    for (let i = 0; i < values.length; i++) out[i] = lut[values[i]];
    this.filmContext.putImageData(this.filmImage, 0, 0);
    this.root.dataset.windowMs = (performance.now() - started).toFixed(2);
    this.root.dataset.window = this.windowInUnits().map((v) => v.toFixed(film.decimals)).join(",");
  }

  windowInUnits() {
    const [u0, u1] = this.film.units;
    const values = this.window.map((f) => u0 + (u1 - u0) * f);
    return values.sort((a, b) => a - b);
  }

  setWindow(window, final) {
    const width = clamp(window[1] - window[0], 0.002, 2);
    const centre = clamp((window[0] + window[1]) / 2, -0.5, 1.5);
    this.window = [centre - width / 2, centre + width / 2];
    this.renderFilm(!final);
    this.draw();
    if (final) {
      this.saveFilmState();
      this.settingsChanged();
    }
  }

  // ----- view -----

  paneSize() {
    const pane = this.panes[0];
    if (!pane) return [1, 1];
    return [pane.canvas.clientWidth || 1, pane.canvas.clientHeight || 1];
  }

  fitView() {
    const [w, h] = this.paneSize();
    const film = this.film;
    return { cx: film.width / 2, cy: film.height / 2, s: Math.min(w / film.width, h / film.height), fit: true };
  }

  layout() {
    if (!this.data || !this.panes.length) return;
    const width = this.panesBox.clientWidth || 600;
    const count = this.panes.length;
    const gap = 6;
    // Up to three panes share one row; more (a reader study's every method) wrap into balanced rows of panes at
    // least WRAP_PANE_PX wide, instead of seven slivers.
    let perRow = count;
    if (count > 3) {
      const fits = clamp(Math.floor((width + gap) / (WRAP_PANE_PX + gap)), 1, count);
      perRow = Math.ceil(count / Math.ceil(count / fits));
    }
    const paneWidth = Math.max(80, (width - gap * (perRow - 1)) / perRow);
    for (const pane of this.panes) pane.box.style.flex = count > 3 ? `0 0 ${paneWidth}px` : "";
    const aspect = this.film ? this.film.height / this.film.width : this.data.aspect;
    const tallest = Math.min(this.data.max_height, window.innerHeight * (this.data.phone ? 0.62 : 0.8));
    const height = Math.round(clamp(paneWidth * aspect, this.data.min_height, Math.max(this.data.min_height, tallest)));
    const ratio = window.devicePixelRatio || 1;
    for (const pane of this.panes) {
      pane.canvas.style.height = `${height}px`;
      const pixelsWide = Math.round(pane.canvas.clientWidth * ratio);
      if (pane.canvas.width !== pixelsWide || pane.canvas.height !== Math.round(height * ratio)) {
        pane.canvas.width = pixelsWide;
        pane.canvas.height = Math.round(height * ratio);
      }
    }
    if (this.film && (!this.view || this.view.fit)) this.view = this.fitView();
    this.draw();
  }

  zoomAbout(factor, sx, sy) {
    if (!this.view) return;
    const fit = this.fitView();
    const s = clamp(this.view.s * factor, fit.s * 0.5, MAX_ZOOM);
    const [w, h] = this.paneSize();
    const fx = this.view.cx + (sx - w / 2) / this.view.s;
    const fy = this.view.cy + (sy - h / 2) / this.view.s;
    this.view = { cx: fx - (sx - w / 2) / s, cy: fy - (sy - h / 2) / s, s, fit: false };
    this.viewChanged();
  }

  panBy(dx, dy) {
    if (!this.view) return;
    this.view = { ...this.view, cx: this.view.cx - dx / this.view.s, cy: this.view.cy - dy / this.view.s, fit: false };
    this.viewChanged();
  }

  reset() {
    if (!this.film) return;
    this.view = this.fitView();
    this.window = [0, 1];
    this.renderFilm(false);
    this.viewChanged();
    this.settingsChanged();
  }

  viewChanged() {
    this.draw();
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => this.saveFilmState(), 250);
  }

  saveFilmState() {
    if (this.film) writeStore(`film:${this.film.id}`, { view: this.view, window: this.window });
  }

  visibleRegion() {
    const [w, h] = this.paneSize();
    const { cx, cy, s } = this.view;
    return [cx - w / (2 * s), cy - h / (2 * s), cx + w / (2 * s), cy + h / (2 * s)];
  }

  toFilm(pane, event) {
    const rect = pane.canvas.getBoundingClientRect();
    const sx = event.clientX - rect.left;
    const sy = event.clientY - rect.top;
    const { cx, cy, s } = this.view;
    return { sx, sy, x: cx + (sx - rect.width / 2) / s, y: cy + (sy - rect.height / 2) / s };
  }

  // ----- drawing -----

  draw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.drawNow();
    });
  }

  drawNow() {
    if (!this.film || !this.view) return;
    const started = performance.now();
    const ratio = window.devicePixelRatio || 1;
    const { cx, cy, s } = this.view;
    const film = this.film;
    for (const pane of this.panes) {
      const context = pane.canvas.getContext("2d");
      const w = pane.canvas.width / ratio;
      const h = pane.canvas.height / ratio;
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = "#000";
      context.fillRect(0, 0, pane.canvas.width, pane.canvas.height);
      const k = ratio * s;
      context.setTransform(k, 0, 0, k, ratio * (w / 2 - cx * s), ratio * (h / 2 - cy * s));
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = s * (film.bitmapWidth / film.width) < 1 ? "medium" : "low";
      context.drawImage(this.filmCanvas, 0, 0, film.width, film.height);
      const heat = pane.spec.heat && this.heat.get(pane.spec.heat);
      if (heat && heat.canvas && this.settings.opacity > 0) {
        context.globalAlpha = this.settings.opacity;
        context.imageSmoothingQuality = "low";
        context.drawImage(heat.canvas, 0, 0, film.width, film.height);
        context.globalAlpha = 1;
      }
      this.drawOverlays(context, s);
    }
    const region = this.visibleRegion().map((v) => v.toFixed(1));
    this.root.dataset.view = region.join(",");
    this.root.dataset.frameMs = (performance.now() - started).toFixed(2);
    this.panesBox.style.touchAction = this.view.fit ? "pan-y" : "none";
  }

  drawOverlays(context, s) {
    const data = this.data;
    if (data.outline && this.settings.outline) {
      context.strokeStyle = data.outline_colour;
      context.lineWidth = 1.5 / s;
      for (const line of data.outline) {
        context.beginPath();
        for (let i = 0; i < line.length; i += 2) context[i ? "lineTo" : "moveTo"](line[i], line[i + 1]);
        context.closePath();
        context.stroke();
      }
    }
    if (data.boxes && this.settings.boxes) {
      context.strokeStyle = data.box_colour;
      context.fillStyle = data.box_colour;
      context.lineWidth = 2 / s;
      context.setLineDash([6 / s, 4 / s]);
      context.font = `${12 / s}px sans-serif`;
      for (const box of data.boxes) {
        context.strokeRect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
        context.fillText(`radiologist: ${box.label}`, box.x0, box.y0 - 4 / s);
      }
      context.setLineDash([]);
    }
    const marks = this.gesture && this.gesture.draft ? [...this.marks, this.gesture.draft] : this.marks;
    for (const mark of marks) {
      const selected = this.selected === mark.id;
      context.strokeStyle = selected ? "#ffe14d" : "#7CFC00";
      context.lineWidth = (selected ? 2.5 : 2) / s;
      context.beginPath();
      if (mark.shape === "ellipse") {
        const rx = (mark.x1 - mark.x0) / 2;
        const ry = (mark.y1 - mark.y0) / 2;
        context.ellipse(mark.x0 + rx, mark.y0 + ry, Math.abs(rx), Math.abs(ry), 0, 0, 2 * Math.PI);
      } else {
        context.rect(mark.x0, mark.y0, mark.x1 - mark.x0, mark.y1 - mark.y0);
      }
      context.stroke();
      if (selected) {
        context.fillStyle = "#ffe14d";
        const half = HANDLE_PX / (2 * s);
        for (const [x, y] of this.corners(mark)) context.fillRect(x - half, y - half, 2 * half, 2 * half);
      }
    }
  }

  corners(mark) {
    return [
      [mark.x0, mark.y0],
      [mark.x1, mark.y0],
      [mark.x0, mark.y1],
      [mark.x1, mark.y1],
    ];
  }

  // ----- pointer, wheel, touch -----

  listen(canvas) {
    canvas.addEventListener("wheel", (event) => {
      if (!this.view) return;
      event.preventDefault();
      const pane = this.panes.find((p) => p.canvas === canvas);
      const { sx, sy } = this.toFilm(pane, event);
      this.zoomAbout(Math.pow(WHEEL_STEP, -event.deltaY), sx, sy);
    }, { passive: false });
    canvas.addEventListener("contextmenu", (event) => event.preventDefault());
    canvas.addEventListener("pointerdown", (event) => this.pointerDown(canvas, event));
    canvas.addEventListener("pointermove", (event) => this.pointerMove(canvas, event));
    canvas.addEventListener("pointerup", (event) => this.pointerUp(canvas, event));
    canvas.addEventListener("pointercancel", (event) => this.pointerUp(canvas, event, true));
    canvas.addEventListener("pointerleave", () => {
      if (!this.gesture) this.status.textContent = " ";
    });
    canvas.addEventListener("dblclick", () => this.settings.tool === "pan" && this.reset());
  }

  pointerDown(canvas, event) {
    if (!this.film || !this.view) return;
    this.root.focus({ preventScroll: true, focusVisible: false });
    const pane = this.panes.find((p) => p.canvas === canvas);
    const point = this.toFilm(pane, event);
    this.pointers.set(event.pointerId, { pane, x: event.clientX, y: event.clientY });
    canvas.setPointerCapture?.(event.pointerId);
    if (this.pointers.size === 2) {
      this.cancelGesture(false); // a second finger turns any one-finger gesture into a pinch
      this.gesture = { kind: "pinch", ...this.pinchState() };
      return;
    }
    if (this.pointers.size > 2) return;
    const tool = event.button === 2 ? "wl" : event.button === 1 ? "pan" : this.settings.tool;
    const start = { sx: event.clientX, sy: event.clientY, point, pane };
    if (tool === "wl") {
      this.gesture = { kind: "wl", ...start, window: [...this.window] };
      return;
    }
    const hit = this.data.tools.length > 2 ? this.hitMark(point) : null;
    if (hit) {
      this.selected = hit.mark.id;
      this.gesture = { kind: hit.corner === null ? "move" : "resize", ...start, corner: hit.corner, original: { ...hit.mark } };
      this.showMarks();
      this.draw();
      return;
    }
    if (tool === "rect" || tool === "ellipse") {
      this.selected = null;
      const x = clamp(point.x, 0, this.film.width);
      const y = clamp(point.y, 0, this.film.height);
      this.gesture = { kind: "draw", ...start, draft: { id: `m${Date.now().toString(36)}`, shape: tool, x0: x, y0: y, x1: x, y1: y } };
      return;
    }
    if (this.selected) {
      this.selected = null;
      this.showMarks();
      this.draw();
    }
    this.gesture = { kind: "pan", ...start, last: [event.clientX, event.clientY] };
  }

  pinchState() {
    const [a, b] = [...this.pointers.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, mid: [(a.x + b.x) / 2, (a.y + b.y) / 2], pane: a.pane };
  }

  pointerMove(canvas, event) {
    if (this.pointers.has(event.pointerId)) {
      const known = this.pointers.get(event.pointerId);
      known.x = event.clientX;
      known.y = event.clientY;
    }
    const gesture = this.gesture;
    const pane = this.panes.find((p) => p.canvas === canvas);
    if (!gesture) {
      if (this.film && this.view) this.readOut(pane, this.toFilm(pane, event));
      return;
    }
    if (gesture.kind === "pinch") {
      const now = this.pinchState();
      const rect = gesture.pane.canvas.getBoundingClientRect();
      this.zoomAbout(now.distance / gesture.distance, now.mid[0] - rect.left, now.mid[1] - rect.top);
      this.panBy(now.mid[0] - gesture.mid[0], now.mid[1] - gesture.mid[1]);
      Object.assign(gesture, now);
      return;
    }
    if (this.pointers.size > 1) return;
    if (gesture.kind === "pan") {
      this.panBy(event.clientX - gesture.last[0], event.clientY - gesture.last[1]);
      gesture.last = [event.clientX, event.clientY];
    } else if (gesture.kind === "wl") {
      const [w, h] = this.paneSize();
      const width = gesture.window[1] - gesture.window[0];
      const centre = (gesture.window[0] + gesture.window[1]) / 2;
      const newWidth = width * Math.exp((event.clientX - gesture.sx) / w * 2);
      const newCentre = centre - ((event.clientY - gesture.sy) / h) * 0.8;
      this.setWindow([newCentre - newWidth / 2, newCentre + newWidth / 2], false);
    } else {
      const point = this.toFilm(gesture.pane, event);
      const x = clamp(point.x, 0, this.film.width);
      const y = clamp(point.y, 0, this.film.height);
      if (gesture.kind === "draw") Object.assign(gesture.draft, { x1: x, y1: y });
      else this.editMark(gesture, point);
      this.draw();
    }
  }

  pointerUp(canvas, event, cancelled) {
    this.pointers.delete(event.pointerId);
    const gesture = this.gesture;
    if (!gesture) return;
    if (gesture.kind === "pinch") {
      if (this.pointers.size < 2) this.gesture = null;
      return;
    }
    this.gesture = null;
    if (cancelled && gesture.kind !== "pan" && gesture.kind !== "wl") {
      if (gesture.original) Object.assign(this.marks.find((m) => m.id === gesture.original.id) || {}, gesture.original);
      this.draw();
      return;
    }
    if (gesture.kind === "wl") this.setWindow(this.window, true);
    else if (gesture.kind === "draw") {
      const mark = this.normalised(gesture.draft);
      const least = this.data.min_mark_px; // smaller is a click, not a mark (config.MIN_MARK_SIDE_PX)
      if (mark.x1 - mark.x0 >= least && mark.y1 - mark.y0 >= least) {
        this.marks.push(mark);
        this.selected = mark.id;
        this.marksChanged();
      }
      this.draw();
    } else if (gesture.kind === "move" || gesture.kind === "resize") {
      const mark = this.marks.find((m) => m.id === gesture.original.id);
      if (mark) {
        Object.assign(mark, this.normalised(mark));
        if (JSON.stringify(mark) !== JSON.stringify(gesture.original)) this.marksChanged();
      }
      this.draw();
    }
  }

  cancelGesture(redraw = true) {
    const gesture = this.gesture;
    this.gesture = null;
    if (gesture && gesture.original) {
      const mark = this.marks.find((m) => m.id === gesture.original.id);
      if (mark) Object.assign(mark, gesture.original);
    }
    if (gesture && gesture.kind === "wl" && this.film) this.renderFilm(false);
    if (redraw) this.draw();
  }

  normalised(mark) {
    const w = this.film.width;
    const h = this.film.height;
    return {
      id: mark.id,
      shape: mark.shape,
      x0: round1(clamp(Math.min(mark.x0, mark.x1), 0, w)),
      y0: round1(clamp(Math.min(mark.y0, mark.y1), 0, h)),
      x1: round1(clamp(Math.max(mark.x0, mark.x1), 0, w)),
      y1: round1(clamp(Math.max(mark.y0, mark.y1), 0, h)),
    };
  }

  hitMark(point) {
    const tolerance = HANDLE_PX / this.view.s;
    const ordered = [...this.marks].sort((a, b) => (a.id === this.selected ? -1 : b.id === this.selected ? 1 : 0));
    for (const mark of ordered) {
      if (mark.id === this.selected) {
        const corner = this.corners(mark).findIndex(([x, y]) => Math.abs(point.x - x) <= tolerance && Math.abs(point.y - y) <= tolerance);
        if (corner >= 0) return { mark, corner };
      }
      if (point.x >= mark.x0 && point.x <= mark.x1 && point.y >= mark.y0 && point.y <= mark.y1) return { mark, corner: null };
    }
    return null;
  }

  editMark(gesture, point) {
    const mark = this.marks.find((m) => m.id === gesture.original.id);
    if (!mark) return;
    const o = gesture.original;
    if (gesture.kind === "move") {
      const dx = clamp(point.x - gesture.point.x, -o.x0, this.film.width - o.x1);
      const dy = clamp(point.y - gesture.point.y, -o.y0, this.film.height - o.y1);
      Object.assign(mark, { x0: o.x0 + dx, x1: o.x1 + dx, y0: o.y0 + dy, y1: o.y1 + dy });
    } else {
      const x = clamp(point.x, 0, this.film.width);
      const y = clamp(point.y, 0, this.film.height);
      if (gesture.corner === 0 || gesture.corner === 2) mark.x0 = x;
      else mark.x1 = x;
      if (gesture.corner < 2) mark.y0 = y;
      else mark.y1 = y;
    }
  }

  deleteSelected() {
    if (!this.selected) return;
    this.marks = this.marks.filter((m) => m.id !== this.selected);
    this.selected = null;
    this.marksChanged();
    this.draw();
  }

  readOut(pane, point) {
    const film = this.film;
    if (point.x < 0 || point.y < 0 || point.x >= film.width || point.y >= film.height) {
      this.status.textContent = " ";
      return;
    }
    const bx = Math.min(film.bitmapWidth - 1, Math.floor((point.x * film.bitmapWidth) / film.width));
    const by = Math.min(film.bitmapHeight - 1, Math.floor((point.y * film.bitmapHeight) / film.height));
    const [u0, u1] = film.units;
    const value = u0 + ((u1 - u0) * film.values[by * film.bitmapWidth + bx]) / film.levels;
    let text = `x ${Math.floor(point.x)}, y ${Math.floor(point.y)} · value ${value.toFixed(film.decimals)}`;
    const heat = pane.spec.heat && this.heat.get(pane.spec.heat);
    if (heat && heat.values) {
      const hx = Math.min(heat.width - 1, Math.floor((point.x * heat.width) / film.width));
      const hy = Math.min(heat.height - 1, Math.floor((point.y * heat.height) / film.height));
      text += ` · heat ${(heat.values[hy * heat.width + hx] / 255).toFixed(2)}`;
    }
    this.status.textContent = text;
    this.root.dataset.probe = `${Math.floor(point.x)},${Math.floor(point.y)},${value.toFixed(film.decimals)}`;
  }

  // ----- keyboard and settings -----

  key(event) {
    if (event.target && event.target.tagName === "SELECT") return;
    const [w, h] = this.paneSize();
    const actions = {
      "+": () => this.zoomAbout(1.25, w / 2, h / 2),
      "=": () => this.zoomAbout(1.25, w / 2, h / 2),
      "-": () => this.zoomAbout(0.8, w / 2, h / 2),
      0: () => this.reset(),
      r: () => this.reset(),
      ArrowLeft: () => this.panBy(40, 0),
      ArrowRight: () => this.panBy(-40, 0),
      ArrowUp: () => this.panBy(0, 40),
      ArrowDown: () => this.panBy(0, -40),
      p: () => this.setTool("pan"),
      w: () => this.setTool("wl"),
      b: () => this.setTool("rect"),
      e: () => this.setTool("ellipse"),
      i: () => this.toggle("invert", !this.settings.invert),
      h: () => {
        this.settings.opacity = this.settings.opacity > 0 ? 0 : this.data.defaults.opacity;
        this.settingsChanged();
      },
      o: () => this.toggle("outline", !this.settings.outline),
      x: () => this.toggle("boxes", !this.settings.boxes),
      Delete: () => this.deleteSelected(),
      Backspace: () => this.deleteSelected(),
      Escape: () => {
        this.cancelGesture();
        this.selected = null;
        this.help.hidden = true;
        this.showMarks();
      },
      "?": () => {
        this.help.hidden = !this.help.hidden;
      },
    };
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key] || actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  setTool(tool) {
    if (!this.toolButtons[tool]) return;
    this.settings.tool = tool;
    this.saveSettings();
    this.refreshToolbar();
  }

  toggle(setting, value) {
    this.settings[setting] = value;
    if (setting === "invert") this.renderFilm(false);
    this.settingsChanged();
  }

  saveSettings() {
    writeStore("settings", this.settings);
  }

  settingsChanged() {
    this.saveSettings();
    this.refreshToolbar();
    this.draw();
    clearTimeout(this.settingsTimer);
    this.settingsTimer = setTimeout(() => this.syncSettings(), SETTINGS_SYNC_MS);
  }

  syncSettings() {
    // What the downloads need (window, invert, opacity, colormap, overlays), once it has settled.
    if (!this.film || !this.component) return;
    const settings = {
      film: this.film.id,
      window: this.window.map((v) => Number(v.toFixed(5))),
      invert: this.settings.invert,
      opacity: this.settings.opacity,
      colormap: this.settings.colormap,
      outline: this.settings.outline,
      boxes: this.settings.boxes,
    };
    const text = JSON.stringify(settings);
    if (text === this.lastSent.settings || text === JSON.stringify(this.data.settings)) return;
    this.lastSent.settings = text;
    this.component.setStateValue("settings", settings);
  }

  marksChanged() {
    this.showMarks();
    if (!this.component || !this.film) return;
    this.component.setStateValue("marks", { film: this.film.id, marks: this.marks.map((m) => this.normalised(m)) });
  }

  showMarks() {
    this.markList.replaceChildren();
    this.root.dataset.marks = String(this.marks.length);
    if (!this.marks.length) return;
    this.marks.forEach((mark, index) => {
      const row = element("div", `cxr-mark${mark.id === this.selected ? " cxr-on" : ""}`, this.markList);
      const shape = mark.shape === "ellipse" ? "Ellipse" : "Rectangle";
      const text = `${index + 1}. ${shape} ${Math.round(mark.x1 - mark.x0)}×${Math.round(mark.y1 - mark.y0)} px at (${Math.round(mark.x0)}, ${Math.round(mark.y0)})`;
      const label = element("button", "cxr-link", row, text);
      label.onclick = () => {
        this.selected = mark.id;
        this.showMarks();
        this.draw();
      };
      const remove = element("button", "cxr-button", row, "Delete");
      remove.setAttribute("aria-label", `Delete mark ${index + 1}`);
      remove.onclick = () => {
        this.selected = mark.id;
        this.deleteSelected();
      };
    });
  }
}
