"""The check-in page's moving parts: the draft kept across a reload, the photo limit, the list of
form errors linked to their fields, and bringing the result (or the errors) into view.

They take arguments and return values; the page passes session state in and out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import resources
import streamlit as st

from checkins.domain import MAX_PHOTOS, Answers
from checkins.i18n import ENGLISH, Translator
from checkins.services import drafts
from checkins.services import patient_form as form
from checkins.services.views import Actor

log = logging.getLogger("checkins.dashboard.checkin")

PHOTOS_FIELD = "photos"  # the uploader's anchor in the error list
RESULT_KEY = "checkin-result"
ERRORS_KEY = "checkin-errors"


def field_key(name: str) -> str:
    """The key of the container around one question (its CSS class is ``st-key-<key>``)."""
    return f"field-{name}"


# --- The draft ----------------------------------------------------------------------------


def load_draft(*, actor: Actor, token: str | None) -> drafts.Draft | None:
    """This link's draft, if any; a failure to read it is logged, never shown as a block."""
    if not token:
        return None
    try:
        with resources.db().session() as s:
            return drafts.load(
                session=s,
                store=resources.store(),
                actor=actor,
                signing_key=resources.link_key(),
                token=token,
                allowed=form.DRAFT_FIELDS,
            )
    except Exception:
        log.exception("could not read a check-in draft")
        return None


def worth_keeping(answers: Mapping[str, Any], photos: Sequence[object]) -> bool:
    """A photo or an answer given (the °F/°C choice alone is not an answer)."""
    given = (v for k, v in answers.items() if k not in ("unit", "antiviral_prescribed"))
    return bool(photos) or any(v not in (None, "", False) for v in given)


def draft_signature(answers: Mapping[str, Any], photos: Sequence[tuple[str, bytes]]) -> str:
    """A fingerprint of the form, so an unchanged rerun writes nothing."""
    digest = hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode())
    for name, data in photos:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def save_draft(
    *,
    actor: Actor,
    token: str | None,
    answers: Mapping[str, Any],
    photos: Sequence[tuple[str, bytes]],
) -> bool:
    """Keep the form on the server; ``False`` (logged) when it could not be kept."""
    if not token:
        return False
    try:
        with resources.db().session() as s:
            drafts.save(
                session=s,
                store=resources.store(),
                actor=actor,
                signing_key=resources.link_key(),
                token=token,
                answers=answers,
                photos=photos,
                allowed=form.DRAFT_FIELDS,
            )
    except Exception:
        log.exception("could not keep a check-in draft")
        return False
    return True


def discard_draft(*, actor: Actor, token: str | None) -> None:
    if not token:
        return
    try:
        with resources.db().session() as s:
            drafts.discard(session=s, actor=actor, signing_key=resources.link_key(), token=token)
    except Exception:
        log.exception("could not discard a check-in draft")


# --- Photos ---------------------------------------------------------------------------------


def within_limit(
    uploads: Sequence[tuple[str, bytes]],
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The first ``MAX_PHOTOS`` distinct photos, and the names of those refused past it."""
    kept: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    refused: list[str] = []
    for name, data in uploads:
        key = form.photo_key(data)
        if key in seen:
            continue
        if len(kept) >= MAX_PHOTOS:
            refused.append(name)
            continue
        seen.add(key)
        kept.append((name, data))
    return kept, refused


def too_many_photos(refused: Sequence[str], *, tr: Translator = ENGLISH) -> str:
    names = ", ".join(f"“{n}”" for n in refused)
    return tr.plural(
        "A check-in holds at most %(max)s photos, so %(names)s was not added. Remove a photo "
        "first if you want to send another in its place.",
        "A check-in holds at most %(max)s photos, so %(names)s were not added. Remove a photo "
        "first if you want to send another in its place.",
        len(refused),
        max=MAX_PHOTOS,
        names=names,
    )


# --- Errors and scrolling -------------------------------------------------------------------


def form_problems(
    checks: Sequence[form.PhotoCheck],
    raw: Mapping[str, Any],
    *,
    baseline: bool,
    tr: Translator = ENGLISH,
) -> tuple[list[form.FieldError], Answers | None]:
    """Every problem with the form as it is now, in its order; the answers when there is none."""
    found: list[form.FieldError] = []
    if photo_problem := form.ready_to_send(checks, baseline=baseline, tr=tr):
        found.append(form.FieldError(PHOTOS_FIELD, photo_problem))
    answers = None
    if not baseline:
        try:
            answers = form.answers_from_form(raw, tr=tr)
        except form.FormErrors as bad:
            found.extend(bad.errors)
    return found, answers


def error_list(errors: Sequence[form.FieldError], *, tr: Translator = ENGLISH) -> None:
    """Every problem at once, in the form's order, each a link to its question."""
    lines = "\n".join(
        f"{i}. [{e.message}](#{field_key(e.field)})" for i, e in enumerate(errors, start=1)
    )
    heading = tr.plural(
        "Please fix this before sending:",
        "Please fix these %(n)s things before sending:",
        len(errors),
    )
    with st.container(key=ERRORS_KEY):
        st.error(f"**{heading}**\n\n{lines}", icon=":material/error:")


_LINKS_JS = """
<script>
(function () {
  if (window.__checkinsFieldLinks) return;
  window.__checkinsFieldLinks = true;
  // An error's link (#field-NAME) brings its question into view and puts the cursor in it.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href^="#field-"]');
    if (!a) return;
    var box = document.querySelector(".st-key-" + a.getAttribute("href").slice(1));
    if (!box) return;
    ev.preventDefault();
    box.scrollIntoView({block: "center"});
    var input = box.querySelector("input:not([type=hidden]), textarea, button");
    if (input) input.focus({preventScroll: true});
  }, true);
})();
</script>
"""


def field_links() -> None:
    """Make the error list's links move to their question (installed once per page)."""
    st.html(_LINKS_JS, unsafe_allow_javascript=True)


def bring_into_view(key: str, *, nonce: int) -> None:
    """Scroll the container ``key`` to the top of the screen and move keyboard focus to it.

    ``nonce`` makes each call's script new, so it runs again after the next send.
    """
    st.html(
        f"""<script>/* {nonce} */
(function () {{
  var tries = 0;
  (function go() {{
    var el = document.querySelector(".st-key-{key}");
    if (!el) {{ if (tries++ < 50) setTimeout(go, 100); return; }}
    el.setAttribute("tabindex", "-1");
    el.scrollIntoView({{block: "start"}});
    el.focus({{preventScroll: true}});
  }})();
}})();
</script>""",
        unsafe_allow_javascript=True,
    )
