// Tell the server the browser's time zone (an IANA name), so booking pages show the client's own time next to
// the branch's where they differ. A cookie, read on the next page; nothing else is sent.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) return;
  var value = "kabinet_tz=" + encodeURIComponent(zone);
  if (document.cookie.split("; ").indexOf(value) === -1) {
    document.cookie = value + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
