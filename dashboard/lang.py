"""The patient pages' language: which one, the switch between them, and the page's ``lang``.

A page asks once per run (``for_patient`` or ``for_browser``) and passes the translator to every
helper it calls: nothing keeps a "current language" that another session's thread could see.
Staff pages are in English and never call this.
"""

from __future__ import annotations

import logging

import streamlit as st
from state import StateKeys

from checkins import i18n
from checkins.i18n import N_, Translator
from checkins.services import clinic as clinic_service
from checkins.services.views import Actor

log = logging.getLogger("checkins.dashboard.lang")
SWITCH_KEY = "patient_language"


def browser_languages() -> list[str]:
    """The browser's languages, most wanted first: ``navigator.language``, then the header."""
    found: list[str] = []
    try:
        if st.context.locale:
            found.append(st.context.locale)
        found += i18n.from_accept_language(st.context.headers.get("Accept-Language"))
    except Exception:  # no browser context (a bare script run): English
        log.debug("no browser context for the language", exc_info=True)
    return found


def for_browser() -> Translator:
    """Where no patient is known yet (a link that cannot be opened): the browser's language."""
    return i18n.translator(i18n.negotiate(browser=browser_languages()))


def for_patient(preferred: str | None) -> Translator:
    """The patient's own language (enrolment, or their last choice on the page); None (not
    asked): their browser's."""
    return i18n.translator(i18n.negotiate(preferred=preferred, browser=browser_languages()))


def keep_browsers(preferred: str | None, *, actor: Actor) -> None:
    """A patient whose language was never asked reads their page in their browser's language:
    keep it for their messages too, once per session (the service keeps only the first, and
    the switch still changes it). A browser naming none of ours keeps nothing: their messages
    stay in ``i18n.MESSAGE_FALLBACK`` until they choose."""
    if preferred is not None or st.session_state.get(StateKeys.BROWSER_LANGUAGE_KEPT):
        return
    chosen = i18n.from_browser(browser_languages())
    if chosen is None:
        return
    st.session_state[StateKeys.BROWSER_LANGUAGE_KEPT] = True  # a failure is not retried per rerun
    import resources

    try:
        with resources.db().session() as s:
            clinic_service.keep_browser_language(session=s, actor=actor, language=chosen)
    except Exception:
        log.exception("could not keep the browser's language for the patient")


def _save(actor: Actor, shown: str) -> None:
    chosen = st.session_state.get(SWITCH_KEY)
    if chosen not in i18n.SUPPORTED:  # the shown language clicked again: keep it selected
        st.session_state[SWITCH_KEY] = shown
        return
    import resources

    try:
        with resources.db().session() as s:
            clinic_service.set_patient_language(session=s, actor=actor, language=chosen)
    except Exception:
        log.exception("could not keep the patient's language")


def switch(tr: Translator, *, actor: Actor) -> None:
    """English / Español on the page; the choice is kept for the patient (and their messages).

    Its state is set only as its default and in its callback: writing it on every run made
    the browser rerun the page again and again (each run stopped before the draft was kept).
    """
    st.segmented_control(
        tr("Language"),
        list(i18n.SUPPORTED),
        default=tr.locale,
        format_func=i18n.NATIVE_NAMES.__getitem__,
        key=SWITCH_KEY,
        on_change=_save,
        args=(actor, tr.locale),
        label_visibility="collapsed",
    )


LINK_EXPIRED = N_("This check-in link has expired. Please call the clinic for a new one.")


def link_refusal(message: str, code: str, tr: Translator) -> str:
    """Why a link cannot be opened, in ``tr``'s language (English: the sentence as it came)."""
    if tr.locale == i18n.DEFAULT:
        return message
    from auth import NOT_SENT

    base, not_sent, _ = message.partition(f" {NOT_SENT}")
    text = tr(LINK_EXPIRED) if code == "link_expired" else tr(base)
    return f"{text} {tr(NOT_SENT)}" if not_sent else text


# Streamlit's own words inside the photo uploader (its button and size line), which no
# parameter sets: the page swaps the text nodes for the catalog's, as React redraws them.
UPLOADER_WORDS = (N_("Upload"), N_("per file"))

_PAGE_JS = """<script>
(function () {
  document.documentElement.lang = %(lang)s;
  var words = %(words)s;
  if (window.__checkinsWords) { window.__checkinsWords.words = words; return; }
  var state = window.__checkinsWords = {words: words};
  function swap(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll("[data-testid=stFileUploader]") : [];
    boxes.forEach(function (box) {
      var walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (var n = walk.nextNode(); n; n = walk.nextNode()) {
        var t = n.nodeValue, out = t;
        Object.keys(state.words).forEach(function (en) {
          if (out.indexOf(en) >= 0) out = out.split(en).join(state.words[en]);
        });
        if (out !== t) n.nodeValue = out;
      }
    });
  }
  new MutationObserver(function () { swap(document); })
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  swap(document);
})();
</script>"""


def page_language(tr: Translator) -> None:
    """Set ``<html lang>`` so screen readers speak the page in its language, and put the
    uploader's own words (Streamlit's) in it too."""
    import json

    words = {en: tr(en) for en in UPLOADER_WORDS} if tr.locale != i18n.DEFAULT else {}
    st.html(
        _PAGE_JS % {"lang": json.dumps(tr.locale), "words": json.dumps(words)},
        unsafe_allow_javascript=True,
    )
