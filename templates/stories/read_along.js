
(function () {
  "use strict";
  var audio = document.getElementById("narration");
  var spans = Array.prototype.slice.call(document.querySelectorAll(".w[data-start]"));
  var starts = spans.map(function (s) { return parseFloat(s.dataset.start); });
  var ends = spans.map(function (s) { return parseFloat(s.dataset.end); });
  var current = -1;

  // The last word whose start has passed; binary search keeps long stories cheap per frame.
  function wordAt(t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function highlight(index, t) {
    // Between words (a pause after a full stop) nothing is lit.
    var lit = index >= 0 && t <= ends[index] + 0.05 ? index : -1;
    if (lit === current) return;
    if (current >= 0) spans[current].classList.remove("now");
    for (var i = 0; i < spans.length; i++) spans[i].classList.toggle("said", i < index || (i === index && lit < 0));
    if (lit >= 0) {
      spans[lit].classList.add("now");
      var box = spans[lit].getBoundingClientRect();
      if (box.top < 80 || box.bottom > window.innerHeight - 40) {
        spans[lit].scrollIntoView({ block: "center", behavior: "smooth" });
      }
    }
    current = lit;
  }

  function tick() {
    highlight(wordAt(audio.currentTime), audio.currentTime);
    if (!audio.paused) window.requestAnimationFrame(tick);
  }

  function seek(span) {
    audio.currentTime = parseFloat(span.dataset.start);
    highlight(wordAt(audio.currentTime), audio.currentTime);
    audio.play();
  }

  audio.addEventListener("play", function () { window.requestAnimationFrame(tick); });
  audio.addEventListener("seeked", tick);
  audio.addEventListener("ended", function () { highlight(-1, 0); });
  spans.forEach(function (span) {
    span.addEventListener("click", function () { seek(span); });
    span.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); seek(span); } });
  });
  window.miraReadAlong = { wordAt: wordAt, highlight: highlight, current: function () { return current; } };
})();
