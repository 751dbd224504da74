"""Every st.session_state key the dashboard uses, in one place.

Widget keys that must change to reset a widget (the photo uploader after a check-in is sent)
are built from a nonce stored under one of these keys.
"""

from __future__ import annotations


class StateKeys:
    # Who is signed in (dashboard/auth.py is the only writer).
    ACTOR = "auth_actor"  # checkins.services.views.Actor
    LAST_SEEN = "auth_last_seen"  # naive UTC datetime of the last full rerun, for idle time-out
    PATIENT_TOKEN = "auth_patient_token"  # noqa: S105 - key for the link token patients open
    AUTH_NOTICE = "auth_notice"  # a sentence for the sign-in page (signed out, timed out…)
    VIA_OIDC = "auth_via_oidc"  # True when the staff member signed in through st.login
    LINK_STALE_SINCE = "auth_link_stale_since"  # when this session's link expired
    LINK_GRACE_NOTICE = "auth_link_grace_notice"  # why: shown while the patient finishes
    RELOAD_CHECKED = "auth_reload_checked"  # this session looked for the marker (once)

    # The visit (dashboard/visits.py): reads are audited once per stay on a page.
    VISIT_PAGE = "visit_page"  # the page the router ran last
    VISIT_READS = "visit_reads"  # reads ("case:12", "photo:7:thumb") audited in this visit

    # Sign-in form.
    SIGN_IN_USERNAME = "sign_in_username"
    SIGN_IN_PASSWORD = "sign_in_password"  # noqa: S105 - a widget key, not a password

    # Patient check-in page.
    SUBMISSION_ID = "checkin_submission_id"  # one per form: retries store one check-in
    PHOTO_NONCE = "checkin_photo_nonce"  # bumped after sending: a new, empty uploader
    ANALYSED = "checkin_analysed"  # sha256 -> PhotoCheck (analysis cached per session)
    LAST_RESULT = "checkin_last_result"  # SubmitResult shown after sending
    ROUTINE_DONE = "checkin_routine_done"  # prefix for the routine checklist boxes
    # The draft kept on the server across a reload (services/drafts.py).
    DRAFT_CHECKED = "checkin_draft_checked"  # this session has looked for a draft
    DRAFT_PHOTOS = "checkin_draft_photos"  # [(name, bytes)] restored from the draft
    DRAFT_SIGNATURE = "checkin_draft_signature"  # fingerprint of the form last kept
    DRAFT_RESTORED = "checkin_draft_restored"  # a sentence: what came back after a reload
    FORM_ERRORS = "checkin_form_errors"  # [FieldError] from the last Send, shown at the top
    # A not-asked patient's browser language was offered for keeping (dashboard/lang.py), once.
    BROWSER_LANGUAGE_KEPT = "checkin_browser_language_kept"
    SENDS = "checkin_sends"  # counts Send presses: each result or error list is scrolled to

    # Provider pages (written by the queue/case pages).
    SELECTED_ITEM = "queue_selected_item"  # review item id opened on the case page
    QUEUE_PAGE = "queue_page"  # page number of the queue table
    QUEUE_TABLE = "queue_table"  # the queue dataframe's selection
    QUEUE_SHOWN = "queue_shown"  # item ids in the order the table last drew them
    CASE_REPLY = "case_reply"
    CASE_DISPOSITION = "case_disposition"
    CASE_NOTE = "case_note"
    CASE_MEASURED = "case_measured"
    CASE_FLASH = "case_flash"  # (kind, sentence) shown once after an action
    CASE_TAKE_OVER_REASON = "case_take_over_reason"

    # Patients pages (front desk).
    PATIENT_SEARCH = "patients_search"
    PATIENT_PAGE = "patients_page"
    PATIENT_TABLE = "patients_table"
    PATIENT_SELECTED = "patients_selected"  # patient id the record page shows
    PATIENT_LINK = "patients_link"  # (treatment id, url) issued on the record page
    PATIENT_DUPLICATE = "patients_duplicate"  # (sentence, existing id) after a duplicate
    PATIENT_FLASH = "patients_flash"  # a sentence shown once after an action
    BASELINE_NONCE = "patients_baseline_nonce"
    BASELINE_SUBMISSION = "patients_baseline_submission"

    # Admin page.
    ISSUED_LINK = "admin_issued_link"  # (treatment id, url) of the link just created
    ADMIN_ACCOUNT = "admin_account"
    ADMIN_NEW_PASSWORD = "admin_new_password"  # noqa: S105 - a widget key, not a password

    @staticmethod
    def uploader(nonce: int) -> str:
        return f"checkin_uploader_{nonce}"
