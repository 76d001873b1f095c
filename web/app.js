// Mounts rasa-webchat (served from this project, see scripts/serve_web.py) on
// #webchat and connects it to Rasa's socket.io channel. The conversation is
// kept in localStorage and the server keeps the session (session_persistence),
// so a reload shows the same conversation and carries on with it.
(function () {
  "use strict";
  var config = window.ASSISTANT_CONFIG || {};
  window.WebChat.default(
    {
      socketUrl: config.socketUrl || location.protocol + "//" + location.hostname + ":5005",
      socketPath: config.socketPath || "/socket.io/",
      initPayload: "/greet",
      title: "Spasm or twitch?",
      subtitle: "A chatbot, not a doctor",
      inputTextFieldHint: "Ask about spasms or twitches...",
      connectingText: "Connecting to the assistant...",
      embedded: true,
      showCloseButton: false,
      hideWhenNotConnected: false,
      params: { storage: "local" },
      // No pretend typing pause: emergency advice must appear at once.
      customMessageDelay: function () { return 0; }
    },
    document.getElementById("webchat")
  );
})();
