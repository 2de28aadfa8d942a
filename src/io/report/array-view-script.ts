/**
 * The browser side of the array view: decodes the PE trace embedded in the page and draws the
 * region as an SVG grid, one cycle at a time. Plain ES2017 in a string, inlined into the page: it
 * only displays what the simulator recorded (and, per bank, the weight each PE last used from it).
 */
export const ARRAY_VIEW_SCRIPT = String.raw`
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("array-view-data").textContent);
  function unpack(p) {
    var bin = atob(p.base64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var C = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[p.type];
    return new C(bytes.buffer, 0, p.length);
  }
  var reg = data.region, H = reg.r1 - reg.r0, W = reg.c1 - reg.c0, P = H * W, N = data.cycles.length, U = data.units.length;
  var bank = unpack(data.bank), act = unpack(data.actIn), weight = unpack(data.weight);
  var psumIn = unpack(data.psumIn), psumOut = unpack(data.psumOut);
  var unitPc = unpack(data.unitPc), unitState = unpack(data.unitState), stall = unpack(data.stall);
  // The weight each PE last multiplied with from each bank, as of each cycle (NaN: not used yet).
  var known = [new Float64Array(N * P), new Float64Array(N * P)];
  for (var k = 0; k < N; k++) for (var i = 0; i < P; i++) for (var b = 0; b < 2; b++) {
    var j = k * P + i;
    known[b][j] = bank[j] === b + 1 ? weight[j] : k > 0 ? known[b][j - P] : NaN;
  }
  function fmt(v) {
    if (v !== v) return "·";
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
    return String(parseFloat(v.toPrecision(3)));
  }
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var key in attrs) e.setAttribute(key, attrs[key]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  var CW = 116, CH = 76, LEFT = 84, TOP = 44, GAP = 14;
  var svg = document.getElementById("av-grid");
  var width = LEFT + W * (CW + GAP) + 10, height = TOP + H * (CH + GAP) + 40;
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("width", String(Math.min(width, 1300)));
  el("text", { x: LEFT, y: 14, class: "av-axis" }, svg, "partial sums enter at the top and flow down; columns " + reg.c0 + "–" + (reg.c1 - 1));
  el("text", { x: LEFT - 10, y: TOP - 8, class: "av-axis", "text-anchor": "end" }, svg, "act. in");
  var cells = [], leftIn = [], topIn = [], bottomOut = [];
  for (var c = 0; c < W; c++) {
    var x = LEFT + c * (CW + GAP);
    topIn.push(el("text", { x: x + CW / 2, y: TOP - 8, class: "av-edge", "text-anchor": "middle" }, svg));
    bottomOut.push(el("text", { x: x + CW / 2, y: TOP + H * (CH + GAP) + 10, class: "av-edge", "text-anchor": "middle" }, svg));
  }
  for (var r = 0; r < H; r++) {
    var y = TOP + r * (CH + GAP);
    leftIn.push(el("text", { x: LEFT - 10, y: y + CH / 2 + 4, class: "av-edge", "text-anchor": "end" }, svg));
    for (var c2 = 0; c2 < W; c2++) {
      var x2 = LEFT + c2 * (CW + GAP);
      var g = el("g", { class: "pe", transform: "translate(" + x2 + "," + y + ")", "data-row": reg.r0 + r, "data-col": reg.c0 + c2 }, svg);
      var cell = {
        g: g,
        box: el("rect", { width: CW, height: CH, rx: 5, class: "pe-box" }, g),
        w0bg: el("rect", { x: 4, y: 4, width: 52, height: 17, rx: 3, class: "bank-bg bank1" }, g),
        w1bg: el("rect", { x: 60, y: 4, width: 52, height: 17, rx: 3, class: "bank-bg bank2" }, g),
        w0: el("text", { x: 30, y: 16, "text-anchor": "middle", class: "w" }, g),
        w1: el("text", { x: 86, y: 16, "text-anchor": "middle", class: "w" }, g),
        act: el("text", { x: 8, y: 42, class: "act" }, g),
        tag: el("text", { x: CW - 6, y: 42, "text-anchor": "end", class: "tag" }, g),
        out: el("text", { x: CW / 2, y: CH - 8, "text-anchor": "middle", class: "psum" }, g),
        title: el("title", {}, g)
      };
      el("line", { x1: CW, y1: CH / 2, x2: CW + GAP, y2: CH / 2, class: "av-arrow" }, g);
      el("line", { x1: CW / 2, y1: CH, x2: CW / 2, y2: CH + GAP, class: "av-arrow" }, g);
      cells.push(cell);
    }
  }
  var scrub = document.getElementById("av-scrub");
  var cycleLabel = document.getElementById("av-cycle");
  var unitsBox = document.getElementById("av-units");
  scrub.max = String(N - 1);
  var STATE = ["idle", "busy", "stalled"];
  function bankName(tag) { return tag === 0 ? "bubble" : "bank " + (tag - 1); }
  var now = 0;
  function show(k) {
    now = Math.max(0, Math.min(N - 1, k));
    scrub.value = String(now);
    var t = data.cycles[now];
    cycleLabel.textContent = "cycle " + t + " (" + (now + 1) + " of " + N + ")";
    cycleLabel.setAttribute("data-cycle", String(t));
    var lines = [];
    for (var u = 0; u < U; u++) {
      var pc = unitPc[now * U + u], st = unitState[now * U + u];
      var text = pc >= 0 ? (data.texts[pc] || "pc " + pc) : "—";
      lines.push("<div class=\"unit " + STATE[st] + "\"><b>" + data.units[u] + "</b> <i>" + STATE[st] + "</i> " + text.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</div>");
    }
    var cause = data.stallCauses[stall[now]];
    lines.push("<div class=\"unit\"><b>matrix unit</b> " + (cause === "none" ? "streams a vector" : "stall: " + cause) + "</div>");
    unitsBox.innerHTML = lines.join("");
    for (var i = 0; i < P; i++) {
      var j = now * P + i, cell = cells[i], tag = bank[j];
      cell.g.setAttribute("data-bank", String(tag));
      cell.g.setAttribute("data-act", String(act[j]));
      cell.g.setAttribute("data-weight", String(weight[j]));
      cell.g.setAttribute("data-psum-in", String(psumIn[j]));
      cell.g.setAttribute("data-psum-out", String(psumOut[j]));
      cell.g.setAttribute("data-w0", known[0][j] === known[0][j] ? String(known[0][j]) : "");
      cell.g.setAttribute("data-w1", known[1][j] === known[1][j] ? String(known[1][j]) : "");
      cell.box.setAttribute("class", "pe-box tag" + tag);
      cell.w0bg.setAttribute("class", "bank-bg bank1" + (tag === 1 ? " used" : ""));
      cell.w1bg.setAttribute("class", "bank-bg bank2" + (tag === 2 ? " used" : ""));
      cell.w0.textContent = "w0 " + fmt(known[0][j]);
      cell.w1.textContent = "w1 " + fmt(known[1][j]);
      cell.act.textContent = tag === 0 ? "a —" : "a " + fmt(act[j]);
      cell.tag.textContent = tag === 0 ? "" : "b" + (tag - 1);
      cell.out.textContent = tag === 0 ? "Σ —" : "Σ " + fmt(psumOut[j]);
      cell.title.textContent = "PE (" + cell.g.getAttribute("data-row") + ", " + cell.g.getAttribute("data-col") + ") cycle " + t + ": " + bankName(tag) +
        ", activation in " + act[j] + ", weight " + weight[j] + ", partial sum in " + psumIn[j] + ", out " + psumOut[j];
    }
    for (var r = 0; r < H; r++) {
      var first = now * P + r * W;
      leftIn[r].textContent = bank[first] === 0 ? "·" : fmt(act[first]) + " →";
      leftIn[r].setAttribute("class", "av-edge tag" + bank[first]);
    }
    for (var c = 0; c < W; c++) {
      var top = now * P + c, bottom = now * P + (H - 1) * W + c;
      topIn[c].textContent = bank[top] === 0 ? "·" : "↓ " + fmt(psumIn[top]);
      bottomOut[c].textContent = bank[bottom] === 0 ? "·" : "↓ " + fmt(psumOut[bottom]);
    }
  }
  var timer = null;
  function speed() { return Number(document.getElementById("av-speed").value) || 4; }
  function play() {
    if (timer !== null) return;
    if (now >= N - 1) show(0);
    timer = setInterval(function () {
      if (now >= N - 1) { pause(); return; }
      show(now + 1);
    }, 1000 / speed());
    document.getElementById("av-play").disabled = true;
    document.getElementById("av-pause").disabled = false;
  }
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    document.getElementById("av-play").disabled = false;
    document.getElementById("av-pause").disabled = true;
  }
  document.getElementById("av-play").addEventListener("click", play);
  document.getElementById("av-pause").addEventListener("click", pause);
  document.getElementById("av-prev").addEventListener("click", function () { pause(); show(now - 1); });
  document.getElementById("av-next").addEventListener("click", function () { pause(); show(now + 1); });
  document.getElementById("av-speed").addEventListener("change", function () { if (timer !== null) { pause(); play(); } });
  scrub.addEventListener("input", function () { pause(); show(Number(scrub.value)); });
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "SELECT") return;
    if (e.key === "ArrowRight") { pause(); show(now + 1); }
    else if (e.key === "ArrowLeft") { pause(); show(now - 1); }
    else if (e.key === " ") { e.preventDefault(); timer === null ? play() : pause(); }
  });
  var firstBusy = 0;
  while (firstBusy < N - 1 && !Array.prototype.some.call(bank.subarray(firstBusy * P, (firstBusy + 1) * P), function (x) { return x !== 0; })) firstBusy++;
  show(firstBusy === N - 1 ? 0 : firstBusy);
  pause();
})();
`;
