"""History: Tasks about contacts and EmailMessages filed under a record, each tied to its contact
(docs/vms-org.md#history).

Unlike the VMS import (defects 7 and 8 in docs/vms-org.md#defects), history is updated when it changes in
Salesforce, an email keeps the time it was sent, and a Task or email whose contact is not synced yet waits as an
orphan instead of being skipped for good. An email finds its contact by its recipients' addresses, then its
sender's, then what it is filed under: a Contact, or a Case (through the Case's contact, which is why Cases with a
contact are synced too). The VMS import's last resort, the contacts of the Account an email is filed under whose
address equals the sender or recipient exactly, finds no one the address match has not found already, so it is not
repeated here.

A Task or email is linked to the session it is about when its WhatId (RelatedToId) can be one: the Id of a
custom object. Ids of standard objects (Accounts 001, Cases 500, ...) are never sessions, so they are not
looked for.
"""

from __future__ import annotations

import re

from .normalize import html_to_text, required, text, to_date, to_utc
from .spec import Entity, FirstOf, Ref, Reject, Stream, Table, fields

CONTACT_PREFIX, CASE_PREFIX = "003", "500"
_ADDRESS_SEP = re.compile(r"[,;]")
_BRACKETED = re.compile(r"<([^<>]+)>")


def could_be_session(record_id: str | None) -> bool:
    """Whether an Id can be a Session__c's: custom object key prefixes begin with a letter, standard ones not."""
    return bool(record_id) and record_id[0].isalpha()


def addresses(value: object) -> list[str]:
    """The addresses of an address field, trimmed and lower-cased as email rows hold them ('A <a@b>' too)."""
    out = []
    for part in _ADDRESS_SEP.split(text(value) or ""):
        m = _BRACKETED.search(part)
        address = (m.group(1) if m else part).strip().lower()
        if address and address not in out:
            out.append(address)
    return out


def task_kind(task_type: str | None) -> tuple[str, str | None]:
    """(history_type, activity_type) of a Task Type, as the VMS import classifies it."""
    key = (task_type or "").lower()
    if key == "email":
        return "activity", "Email"
    if key == "call":
        return "activity", task_type
    if key == "status_update":
        return "status_change", task_type
    return "note", task_type


def map_task(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    who = required(r, "WhoId")
    if not who.startswith(CONTACT_PREFIX):
        raise Reject("NOT_A_CONTACT", "WhoId", f"WhoId {who} is not a Contact (a Lead?); history is kept for "
                                               "contacts only")
    what = text(r.get("WhatId"))
    task_type = text(r.get("Type"))
    history_type, activity_type = task_kind(task_type)
    return [("history", {
        "salesforce_id": sf_id,
        "source_object": "Task",
        "contact_id": Ref("contact", who, "WhoId"),
        "event_id": Ref("event", what, "WhatId", required=False) if could_be_session(what) else None,
        "related_salesforce_id": what,
        "history_type": history_type,
        "activity_type": activity_type,
        "activity_status": text(r.get("Status")),
        "activity_date": to_date(r.get("ActivityDate"), "ActivityDate"),
        "activity_at": None,
        "summary": text(r.get("Subject")),
        "description": html_to_text(r.get("Description")),
        "email_message_id": sf_id if activity_type == "Email" else None,
    })]


def email_contact(r: dict, related: str) -> FirstOf:
    """How an email finds its contact: recipients, sender, then the Contact or Case it is filed under."""
    options = [Ref("email", a, "ToAddress", by="email", take="contact_id") for a in addresses(r.get("ToAddress"))]
    options += [Ref("email", a, "FromAddress", by="email", take="contact_id")
                for a in addresses(r.get("FromAddress"))]
    if related.startswith(CONTACT_PREFIX):
        options.append(Ref("contact", related, "RelatedToId"))
    elif related.startswith(CASE_PREFIX):
        options.append(Ref("support_case", related, "RelatedToId", take="contact_id"))
    if not options:
        raise Reject("NO_CONTACT", "RelatedToId", f"no address and RelatedToId {related} is neither a Contact "
                                                  "nor a Case: nothing to find the contact by")
    return FirstOf(tuple(options), options[0].field)


def email_description(r: dict) -> str | None:
    """Headers (those present) and the body as plain text: the text body, else the HTML body as text."""
    lines = [f"{label}: {value}" for label, field in (("From", "FromAddress"), ("To", "ToAddress"),
                                                      ("CC", "CcAddress"), ("BCC", "BccAddress"),
                                                      ("Subject", "Subject"))
             if (value := text(r.get(field)))]
    body = text(r.get("TextBody")) or html_to_text(r.get("HtmlBody"))
    if body:
        lines += ["Body:", body]
    return "\n".join(lines) or None


def map_email(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    related = required(r, "RelatedToId")
    sent = to_utc(r.get("MessageDate"), "MessageDate")
    return [("history", {
        "salesforce_id": sf_id,
        "source_object": "EmailMessage",
        "contact_id": email_contact(r, related),
        "event_id": Ref("event", related, "RelatedToId", required=False) if could_be_session(related) else None,
        "related_salesforce_id": related,
        "history_type": "activity",
        "activity_type": "Email",
        "activity_status": "Received" if r.get("Incoming") else "Sent",
        "activity_date": sent.date() if sent else None,
        "activity_at": sent,
        "summary": text(r.get("Subject")),
        "description": email_description(r),
        "email_message_id": sf_id,
    })]


def map_case(r: dict) -> list[tuple[str, dict]]:
    return [("support_case", {"salesforce_id": r["Id"],
                              "contact_id": Ref("contact", required(r, "ContactId"), "ContactId")})]


ENTITY = Entity(
    name="history",
    title="History",
    description="Tasks about contacts and EmailMessages into `history`, each tied to its contact and, when it "
                "is about one, its session; Cases with a contact into `support_case`, for emails filed under "
                "a Case.",
    intro="History is what happened with a contact: Tasks (calls, meetings, notes) and the emails filed in "
          "Salesforce, each tied to its contact and, when it is about one, its session. An email finds its "
          "contact by its recipients' and sender's addresses, then by the Contact or Case it is filed under.",
    depends_on=("events", "volunteers", "teachers", "students"),
    streams=(
        Stream(name="cases", object="Case", fields=fields("ContactId LastModifiedDate:datetime"),
               where="ContactId != null", map=map_case, required=("ContactId",), tables=(Table("support_case"),)),
        Stream(name="tasks", object="Task",
               fields=fields("Subject Description Type Status ActivityDate:date WhoId WhatId "
                             "LastModifiedDate:datetime"),
               where="WhoId != null", map=map_task, required=("WhoId",),
               tables=(Table("history", scope={"source_object": "Task"}),)),
        Stream(name="email_messages", object="EmailMessage",
               fields=fields("Subject TextBody HtmlBody MessageDate:datetime FromAddress ToAddress CcAddress "
                             "BccAddress RelatedToId Incoming:bool LastModifiedDate:datetime"),
               where="RelatedToId != null", map=map_email, required=("RelatedToId",),
               tables=(Table("history", scope={"source_object": "EmailMessage"}),)),
    ),
)
