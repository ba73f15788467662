// The round form's taking-part cities: the list is shown only when "every city" is not
// chosen; a search box filters it, and two buttons tick or clear the cities shown.
(function () {
  "use strict";
  document.querySelectorAll("[data-round-cities]").forEach(function (box) {
    var every = box.querySelector("[data-taking-part][value=all]");
    var radios = box.querySelectorAll("[data-taking-part]");
    var choices = box.querySelector("[data-city-choices]");
    var tools = box.querySelector("[data-city-tools]");
    var search = box.querySelector("[data-city-search]");
    var items = Array.prototype.slice.call(box.querySelectorAll(".city-list li"));
    function shown() {
      return items.filter(function (item) { return !item.hidden; });
    }
    function tick(value) {
      shown().forEach(function (item) { item.querySelector("input").checked = value; });
    }
    function update() { choices.hidden = every.checked; }
    tools.hidden = false;
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", update);
    });
    search.addEventListener("input", function () {
      var wanted = search.value.trim().toLocaleLowerCase();
      items.forEach(function (item) {
        item.hidden = wanted !== "" &&
          item.textContent.toLocaleLowerCase().indexOf(wanted) === -1;
      });
    });
    box.querySelector("[data-select-all]").addEventListener("click", function () { tick(true); });
    box.querySelector("[data-select-none]").addEventListener("click", function () { tick(false); });
    update();
  });
})();
