// Mounts rasa-webchat (served from this project, see scripts/serve_web.py) on
// #webchat and connects it to Rasa's socket.io channel. The conversation is
// kept in localStorage and the server keeps the session (session_persistence),
// so a reload shows the same conversation and carries on with it.
//
// Erasing: when the bot sends the custom payload {"erase": true} (the answer to
// "delete my conversation", or to the "Clear conversation" button, which asks
// the server to erase with /confirm_erase_conversation), the widget's stored
// copy is removed and the page starts afresh with a new session.
//
// Start over: /restart (the server forgets the check-in's answers but keeps the
// conversation's record), then the greeting again, on a cleared screen.
//
// What the widget lacks and this file adds (docs/channels/web.md): labels for
// its controls, quick replies that are buttons for the keyboard, a live region
// that reads out new bot messages, emergency advice as an alert with a heading
// and kept in view on small screens, and "Copy" and "Print or save as PDF" for
// the clinician summary. The server marks the messages that need it with a
// class (channels/message_output.py: triage-emergency, triage-urgent,
// assessment-summary, page-disclaimer).
(function () {
  "use strict";
  var config = window.ASSISTANT_CONFIG || {};
  // rasa-webchat 1.0.1 keeps the session and the conversation under this key,
  // in localStorage (params.storage "local") or sessionStorage ("session").
  var WIDGET_KEYS = ["chat_session", "mrbot_next_message"];
  var ERASE_COMMAND = "/confirm_erase_conversation";
  var RESTART_COMMAND = "/restart";
  var GREET_COMMAND = "/greet";
  var ERASED_FLAG = "assistant_conversation_erased";
  var RESTART_MARK = "assistant_restarted_at";
  var SMALL_SCREEN = "(max-width: 40rem)";
  var HEADINGS = {
    "triage-emergency": "Emergency: get help now",
    "triage-urgent": "Urgent: see a doctor today"
  };
  var widget = { current: null };
  var erased = false;

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- erasing
  function clearStoredCopy() {
    [window.localStorage, window.sessionStorage].forEach(function (storage) {
      WIDGET_KEYS.concat([RESTART_MARK]).forEach(function (key) { storage.removeItem(key); });
    });
  }

  var NOTICES = {
    erased: "Your conversation was erased, here and on the server.",
    unreachable: "This browser's copy is cleared, but the assistant could not be reached to erase its copy. " +
                 "Try again later; conversations are also deleted after a period without messages.",
    copied: "The summary is copied. Paste it into a message or a document.",
    notCopied: "The summary could not be copied here: select its text in the chat and copy it.",
    startedOver: "Started over: the assistant has forgotten your answers."
  };

  // The widget writes its state back to storage whenever it changes, so the
  // copy is removed again on the next load, before the widget starts.
  function startAfresh(notice) {
    if (erased) { return; }
    erased = true;
    clearStoredCopy();
    window.sessionStorage.setItem(ERASED_FLAG, notice);
    window.location.reload();
  }

  function eraseNow() {
    if (widget.current && widget.current.sendMessage) {
      widget.current.sendMessage(ERASE_COMMAND);
      // The server answers with {"erase": true}; if it cannot be reached, say so.
      window.setTimeout(function () { startAfresh("unreachable"); }, 15000);
    } else {
      startAfresh("unreachable");
    }
  }

  // A modal <dialog>: focus moves into it, Escape or "Keep it" closes it and
  // focus goes back to the button that opened it.
  function clearConversation() {
    var dialog = $("confirm-erase");
    var opener = document.activeElement;
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-erase-no").focus();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "erase") {
        eraseNow();
      } else if (opener && opener.focus) {
        opener.focus();
      }
    });
  }

  // ------------------------------------------------------------- start over
  // rasa-webchat 1.0.1 cannot clear its messages from outside, so the ones
  // before the restart are hidden now and dropped from its stored copy on the
  // next load (RESTART_MARK: the session and how many messages came before).
  function startOver() {
    var current = widget.current;
    if (!current || !current.sendMessage) { return; }
    var stored = storedSession();
    if (stored && stored.session_id) {
      window.localStorage.setItem(RESTART_MARK, JSON.stringify({
        session_id: stored.session_id,
        messages: (stored.conversation || []).length
      }));
    }
    Array.prototype.forEach.call(document.querySelectorAll("#webchat .rw-message"), function (message) {
      message.setAttribute("data-before-restart", "");
    });
    pinned = null;
    summary.text = "";
    $("summary-tools").hidden = true;
    current.sendMessage(RESTART_COMMAND);
    current.sendMessage(GREET_COMMAND);
    showNotice(NOTICES.startedOver);
    var input = document.querySelector("#webchat .rw-new-message");
    if (input) { input.focus(); }
  }

  function storedSession() {
    try {
      return JSON.parse(window.localStorage.getItem(WIDGET_KEYS[0]) || "null");
    } catch (error) {
      return null;
    }
  }

  function dropMessagesBeforeRestart() {
    var mark = null;
    try { mark = JSON.parse(window.localStorage.getItem(RESTART_MARK) || "null"); } catch (error) { mark = null; }
    window.localStorage.removeItem(RESTART_MARK);
    var stored = storedSession();
    if (!mark || !stored || stored.session_id !== mark.session_id || !Array.isArray(stored.conversation)) { return; }
    stored.conversation = stored.conversation.slice(mark.messages);
    window.localStorage.setItem(WIDGET_KEYS[0], JSON.stringify(stored));
  }

  // ------------------------------------------------------------- notices
  function showNotice(text) {
    var notice = $("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  // ------------------------------------------------- reading new messages out
  var announcer = $("announcer");
  var pendingAlerts = 0;

  function announce(text) {
    var line = document.createElement("p");
    line.textContent = text;
    announcer.appendChild(line);
    while (announcer.childNodes.length > 6) { announcer.removeChild(announcer.firstChild); }
  }

  function cssOf(message) {
    return message && message.customCss && typeof message.customCss.css === "string" ? message.customCss.css : "";
  }

  function onBotMessage(message) {
    if (message && message.erase === true) { startAfresh("erased"); return; }
    if (!message || typeof message.text !== "string") { return; }
    var css = cssOf(message);
    if (css === "page-disclaimer") { return; }  // the page says it above the chat
    if (css === "triage-emergency") {
      pendingAlerts += 1;  // read out by its own role="alert" (enhanceMessage)
      return;
    }
    announce(message.text);
  }

  // ------------------------------------------- what the widget's markup lacks
  var summary = { text: "" };
  var pinned = null;

  function label(element, text) {
    if (element && element.getAttribute("aria-label") !== text) { element.setAttribute("aria-label", text); }
  }

  function enhanceControls(root) {
    var messages = root.querySelector(".rw-messages-container");
    if (messages && !messages.hasAttribute("tabindex")) {
      // Scrollable by keyboard, and named for screen readers.
      messages.setAttribute("tabindex", "0");
      messages.setAttribute("role", "region");
      label(messages, "Conversation");
    }
    label(root.querySelector(".rw-new-message"), "Your message");
    var title = root.querySelector(".rw-title");
    if (title && !title.hasAttribute("aria-level")) { title.setAttribute("aria-level", "2"); }
    var send = root.querySelector(".rw-send");
    label(send, "Send");
    if (send) {
      var icon = send.querySelector("svg");
      if (icon) { icon.setAttribute("aria-hidden", "true"); icon.setAttribute("focusable", "false"); }
    }
    Array.prototype.forEach.call(root.querySelectorAll(".rw-reply:not([role])"), function (reply) {
      reply.setAttribute("role", "button");
      reply.setAttribute("tabindex", "0");
    });
  }

  // Quick replies are <div>s: Enter and Space press them, as for a button.
  function onKeydown(event) {
    var reply = event.target.closest && event.target.closest("#webchat .rw-reply");
    if (!reply || (event.key !== "Enter" && event.key !== " ")) { return; }
    event.preventDefault();
    reply.click();
    var input = document.querySelector("#webchat .rw-new-message");
    if (input) { input.focus(); }
  }

  function isFirstOfRun(response, css) {
    var message = response.closest(".rw-message");
    var previous = message && message.previousElementSibling;
    return !(previous && previous.querySelector(".rw-response." + css));
  }

  function enhanceMessage(response) {
    if (response.hasAttribute("data-seen")) { return; }
    response.setAttribute("data-seen", "");
    Object.keys(HEADINGS).forEach(function (css) {
      if (!response.classList.contains(css) || !isFirstOfRun(response, css)) { return; }
      var heading = document.createElement("h3");
      heading.className = "triage-heading";
      heading.textContent = HEADINGS[css];
      response.insertBefore(heading, response.firstChild);
      if (css === "triage-emergency") {
        if (pendingAlerts > 0) {
          pendingAlerts -= 1;
          response.setAttribute("role", "alert");
        }
        pinned = response;
      }
    });
    if (response.classList.contains("assessment-summary")) {
      summary.text = summaryText(response);
      $("summary-tools").hidden = false;
    }
  }

  // The summary as plain text: its intro, then one "- label: value" line each.
  function summaryText(response) {
    var markdown = response.querySelector(".rw-markdown") || response;
    var lines = [];
    Array.prototype.forEach.call(markdown.children, function (block) {
      if (block.tagName === "UL" || block.tagName === "OL") {
        Array.prototype.forEach.call(block.querySelectorAll("li"), function (item) {
          lines.push("- " + item.textContent.trim());
        });
      } else {
        lines.push(block.textContent.trim());
      }
    });
    return lines.join("\n");
  }

  // The widget scrolls to the newest message; long emergency advice would then
  // start above the top of the chat on a phone. Keep its start in view until
  // the person writes again.
  function keepPinnedInView(root) {
    var messages = root.querySelector(".rw-messages-container");
    if (!pinned || !messages) { return; }
    if (!messages.contains(pinned)) { pinned = null; return; }
    var box = pinned.getBoundingClientRect();
    var view = messages.getBoundingClientRect();
    if (box.top < view.top) { messages.scrollTop -= view.top - box.top + 8; }
  }

  function enhance() {
    var root = $("webchat");
    enhanceControls(root);
    Array.prototype.forEach.call(root.querySelectorAll(".rw-response:not([data-seen])"), function (response) {
      if (!response.closest("[data-before-restart]")) { enhanceMessage(response); }
    });
    var clients = root.querySelectorAll(".rw-client");
    var last = clients[clients.length - 1];
    if (pinned && last && (pinned.compareDocumentPosition(last) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      pinned = null;  // the person wrote after it
    }
    keepPinnedInView(root);
    var summaries = Array.prototype.filter.call(
      root.querySelectorAll(".rw-response.assessment-summary"),
      function (response) { return !response.closest("[data-before-restart]"); }
    );
    if (!summaries.length) {
      summary.text = "";
      $("summary-tools").hidden = true;
    }
  }

  var scheduled = false;
  new MutationObserver(function () {
    enhance();
    // The widget scrolls after it renders; check again once it has.
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(function () { scheduled = false; keepPinnedInView($("webchat")); });
    }
  }).observe($("webchat"), { childList: true, subtree: true });
  document.addEventListener("keydown", onKeydown);

  // ------------------------------------------------ copying and printing it
  function copySummary() {
    var text = summary.text;
    if (!text) { return; }
    var done = function () { showNotice(NOTICES.copied); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { copyByHand(text) ? done() : showNotice(NOTICES.notCopied); });
    } else if (copyByHand(text)) {
      done();
    } else {
      showNotice(NOTICES.notCopied);
    }
  }

  // Without the clipboard API (a page served over plain http from elsewhere).
  function copyByHand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  // The print styles (web/style.css) print #printable-summary and nothing else.
  function printSummary() {
    if (!summary.text) { return; }
    $("printable-summary-text").textContent = summary.text;
    window.print();
  }

  // ------------------------------------------------------------------ start
  var pending = window.sessionStorage.getItem(ERASED_FLAG);
  if (pending) {
    clearStoredCopy();
    window.sessionStorage.removeItem(ERASED_FLAG);
    showNotice(NOTICES[pending] || NOTICES.erased);
  }
  dropMessagesBeforeRestart();
  if (window.matchMedia && window.matchMedia(SMALL_SCREEN).matches) { $("privacy").open = false; }
  $("clear-conversation").addEventListener("click", clearConversation);
  $("confirm-erase-no").addEventListener("click", function () { $("confirm-erase").close("cancel"); });
  $("confirm-erase-yes").addEventListener("click", function () { $("confirm-erase").close("erase"); });
  $("start-over").addEventListener("click", startOver);
  $("copy-summary").addEventListener("click", copySummary);
  $("print-summary").addEventListener("click", printSummary);

  var timeZone = "";
  try { timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { timeZone = ""; }

  window.WebChat.default(
    {
      socketUrl: config.socketUrl || location.protocol + "//" + location.hostname + ":5005",
      socketPath: config.socketPath || "/socket.io/",
      initPayload: GREET_COMMAND,
      // Sent with every message: the browser's locale ("en-AU") lets the emergency advice
      // name that country's number, and the summary's time is given in the time zone.
      // Nothing else about the browser is sent.
      customData: timeZone ? { locale: navigator.language || "", timezone: timeZone }
                           : { locale: navigator.language || "" },
      title: "Spasm or twitch?",
      subtitle: "A chatbot, not a doctor",
      inputTextFieldHint: "Ask about spasms or twitches...",
      connectingText: "Connecting to the assistant...",
      embedded: true,
      showCloseButton: false,
      hideWhenNotConnected: false,
      params: { storage: "local" },
      innerRef: widget,
      onSocketEvent: { bot_uttered: onBotMessage },
      // No pretend typing pause: emergency advice must appear at once.
      customMessageDelay: function () { return 0; }
    },
    $("webchat")
  );
})();
