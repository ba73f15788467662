// Saves each answer the moment it is chosen (and each comment, evidence link or evidence note
// shortly after typing stops).
// Without this script the page is a normal form with a save button; with it, answers reach the
// server one by one, each acknowledged with "Saved" or a clear error next to its question.
// Network failures and server errors are retried with growing pauses until they succeed.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var textsBlock = document.getElementById("autosave-texts");
  if (!form || !tokenMeta || !textsBlock || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var token = tokenMeta.getAttribute("content");
  var texts = JSON.parse(textsBlock.textContent);
  var COMMENT_DELAY = 800; // ms of quiet typing before a comment is saved
  var MAX_PAUSE = 30000;
  var savers = [];

  var note = document.querySelector("[data-autosave-note]");
  if (note) {
    note.hidden = false;
  }

  function setProgress(which, answered, total) {
    var box = document.querySelector('[data-progress="' + which + '"]');
    if (!box) {
      return;
    }
    var bar = box.querySelector("[data-progress-bar]");
    var label = box.querySelector("[data-progress-text]");
    bar.max = total;
    bar.value = answered;
    label.textContent = texts.progress
      .replace("999001", String(answered))
      .replace("999002", String(total));
  }

  function Saver(fieldset) {
    this.fieldset = fieldset;
    this.id = parseInt(fieldset.getAttribute("data-question"), 10);
    this.status = fieldset.querySelector("[data-status]");
    // the texts saved with the answer: the comment, the evidence links and the evidence note
    this.comment = fieldset.querySelector("[data-comment]");
    this.texts = [
      ["comment", this.comment],
      ["evidence", fieldset.querySelector("[data-evidence]")],
      ["evidence_note", fieldset.querySelector("[data-evidence-note]")],
    ].filter(function (pair) {
      return pair[1] !== null;
    });
    this.busy = false; // a request is on its way
    this.again = false; // something changed while it was: send once more afterwards
    this.clearing = false;
    this.attempt = 0;
    this.timer = null;
    this.unsaved = false;
  }

  Saver.prototype.chosen = function () {
    var input = this.fieldset.querySelector("input[type=radio]:checked");
    return input ? input.value : null;
  };

  Saver.prototype.show = function (text, kind) {
    this.status.textContent = text;
    this.status.className = "save-status" + (kind ? " save-" + kind : "");
  };

  Saver.prototype.later = function (delay) {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.timer = null;
      self.send();
    }, delay);
  };

  Saver.prototype.retry = function () {
    this.attempt += 1;
    var pause = Math.min(MAX_PAUSE, 1000 * Math.pow(2, this.attempt - 1));
    this.show(texts.retrying, "retry");
    this.later(pause * (0.75 + Math.random() / 2));
  };

  Saver.prototype.send = function () {
    var self = this;
    var answer = this.chosen();
    if (answer === null && !this.clearing) {
      // a comment alone cannot be stored: it waits for an answer
      this.unsaved = false;
      this.show(texts.needAnswer, "hint");
      return;
    }
    if (this.busy) {
      this.again = true;
      return;
    }
    window.clearTimeout(this.timer);
    this.busy = true;
    this.again = false;
    this.unsaved = true;
    var body = { question: this.id, answer: answer === null ? "" : answer };
    if (answer !== null) {
      this.texts.forEach(function (pair) {
        body[pair[0]] = pair[1].value;
      });
    }
    this.show(texts.saving, "busy");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { status: response.status, data: data };
          });
      })
      .then(
        function (result) {
          self.busy = false;
          if (result.data && result.data.ok) {
            self.attempt = 0;
            self.clearing = false;
            if (!self.again) {
              self.unsaved = false;
              self.show(result.data.answer === null ? texts.cleared : texts.saved, "ok");
            }
            var p = result.data.progress;
            setProgress("all", p.answered, p.total);
            if (p.area) {
              setProgress("area", p.area.answered, p.area.total);
            }
          } else if (result.status >= 500 || result.status === 429 || !result.data) {
            self.retry();
            return;
          } else {
            // refused (a closed round, a submitted assessment, a logged-out session...)
            self.unsaved = false;
            self.again = false;
            self.clearing = false;
            self.show(texts.failed + " " + result.data.error, "error");
          }
          if (self.again) {
            self.send();
          }
        },
        function () {
          self.busy = false;
          self.retry(); // offline, or the server is restarting
        }
      );
  };

  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-question]"), function (fs) {
    var saver = new Saver(fs);
    savers.push(saver);
    fs.addEventListener("change", function (event) {
      if (event.target.type === "radio") {
        saver.clearing = false;
        saver.attempt = 0;
        saver.send();
      }
    });
    saver.texts.forEach(function (pair) {
      pair[1].addEventListener("input", function () {
        saver.unsaved = saver.chosen() !== null;
        saver.later(COMMENT_DELAY);
      });
      pair[1].addEventListener("blur", function () {
        if (saver.timer !== null) {
          saver.send();
        }
      });
    });
    var clear = fs.querySelector("[data-clear]");
    if (clear) {
      clear.addEventListener("click", function (event) {
        event.preventDefault();
        if (saver.chosen() === null) {
          return;
        }
        var written = saver.texts.some(function (pair) {
          return pair[1].value;
        });
        if (written && !window.confirm(texts.clearConfirm)) {
          return;
        }
        Array.prototype.forEach.call(fs.querySelectorAll("input[type=radio]"), function (r) {
          r.checked = false;
        });
        saver.texts.forEach(function (pair) {
          pair[1].value = "";
        });
        saver.clearing = true;
        saver.attempt = 0;
        saver.send();
      });
    }
  });

  window.addEventListener("online", function () {
    savers.forEach(function (saver) {
      if (saver.timer !== null && saver.attempt > 0) {
        saver.attempt = 0;
        saver.send();
      }
    });
  });

  var submitting = false;
  form.addEventListener("submit", function () {
    submitting = true; // the form posts every answer of the page itself
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return undefined;
    }
    var pending = savers.some(function (saver) {
      return saver.unsaved || saver.busy;
    });
    if (pending) {
      event.preventDefault();
      event.returnValue = texts.leave;
      return texts.leave;
    }
    return undefined;
  });
})();
