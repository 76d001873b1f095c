// Mounts rasa-webchat (served from this project, see scripts/serve_web.py) on
// #webchat and connects it to Rasa's socket.io channel. The conversation is
// kept in localStorage and the server keeps the session (session_persistence),
// so a reload shows the same conversation and carries on with it.
//
// Erasing: when the bot sends the custom payload {"erase": true} (the answer to
// "delete my conversation", or to the "Clear conversation" button, which asks
// the server to erase with /confirm_erase_conversation), the widget's stored
// copy is removed and the page starts afresh with a new session.
(function () {
  "use strict";
  var config = window.ASSISTANT_CONFIG || {};
  // rasa-webchat 1.0.1 keeps the session and the conversation under this key,
  // in localStorage (params.storage "local") or sessionStorage ("session").
  var WIDGET_KEYS = ["chat_session", "mrbot_next_message"];
  var ERASE_COMMAND = "/confirm_erase_conversation";
  var ERASED_FLAG = "assistant_conversation_erased";
  var widget = { current: null };
  var erased = false;

  function clearStoredCopy() {
    [window.localStorage, window.sessionStorage].forEach(function (storage) {
      WIDGET_KEYS.forEach(function (key) { storage.removeItem(key); });
    });
  }

  var NOTICES = {
    erased: "Your conversation was erased, here and on the server.",
    unreachable: "This browser's copy is cleared, but the assistant could not be reached to erase its copy. " +
                 "Try again later; conversations are also deleted after a period without messages."
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

  function onBotMessage(message) {
    if (message && message.erase === true) { startAfresh("erased"); }
  }

  function clearConversation() {
    var ok = window.confirm(
      "Erase this conversation? It is deleted from the assistant's records and from this browser. This can't be undone."
    );
    if (!ok) { return; }
    if (widget.current && widget.current.sendMessage) {
      widget.current.sendMessage(ERASE_COMMAND);
      // The server answers with {"erase": true}; if it cannot be reached, say so.
      window.setTimeout(function () { startAfresh("unreachable"); }, 15000);
    } else {
      startAfresh("unreachable");
    }
  }

  function showNotice(text) {
    var notice = document.getElementById("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  var pending = window.sessionStorage.getItem(ERASED_FLAG);
  if (pending) {
    clearStoredCopy();
    window.sessionStorage.removeItem(ERASED_FLAG);
    showNotice(NOTICES[pending] || NOTICES.erased);
  }
  document.getElementById("clear-conversation").addEventListener("click", clearConversation);

  window.WebChat.default(
    {
      socketUrl: config.socketUrl || location.protocol + "//" + location.hostname + ":5005",
      socketPath: config.socketPath || "/socket.io/",
      initPayload: "/greet",
      // The browser's locale ("en-AU") lets the emergency advice name that country's
      // number; nothing else about the browser is sent.
      customData: { locale: navigator.language || "" },
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
    document.getElementById("webchat")
  );
})();
