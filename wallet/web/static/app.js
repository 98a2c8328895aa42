// The PIN pad: digit buttons type into the PIN field. Without this script
// the field is typed into directly (the phone shows its number keyboard).
"use strict";
document.querySelectorAll(".pinpad").forEach(function (pad) {
  var input = document.getElementById(pad.dataset.for);
  if (!input) {
    return;
  }
  pad.hidden = false;
  pad.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) {
      return;
    }
    if (b.dataset.digit !== undefined) {
      if (input.value.length < 64) {
        input.value += b.dataset.digit;
      }
    } else if (b.dataset.action === "back") {
      input.value = input.value.slice(0, -1);
    } else if (b.dataset.action === "clear") {
      input.value = "";
    }
  });
});
