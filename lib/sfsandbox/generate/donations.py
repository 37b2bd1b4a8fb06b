"""The standard objects around the VMS: roles, volunteer recruitment campaigns and their members, and donations.

A few coherent records where the VMS org would have them: the integration user's role in a small hierarchy,
campaigns that recruit volunteers (members are volunteers and some leads), a standard price book with the
products a sponsorship is sold as, and opportunities for donations from organizations and from volunteers'
households, each volunteer donor with a contact role.
"""

from __future__ import annotations

from .common import Weighted, chance
from .plan import Plan
from .timeline import DAY, END_MS, MINUTE, START_MS, after, between, date_text, modified

ROLES = (("Executive Director", None), ("Program Director", 0), ("Volunteer Coordinator", 1))
PRODUCTS = (("Event Sponsorship", "SPON-EVT", "Sponsorship", 2500.0),
            ("Classroom Kit", "KIT-CLS", "Program Support", 150.0),
            ("Career Day Supplies", "INK-CDS", "In-Kind", 500.0))
_SEASONS = ("Winter", "Spring", "Summer", "Fall")  # by quarter of the month: Dec-Feb, Mar-May, ...
_MEMBER_STATUSES = Weighted([("Sent", 45), ("Responded", 30), ("Registered", 15), ("Attended", 10)])
_STAGES = Weighted([("Closed Won", 70), ("Pledged", 12), ("Prospecting", 8), ("Closed Lost", 10)])
_PROBABILITY = {"Closed Won": 100.0, "Pledged": 90.0, "Prospecting": 10.0, "Closed Lost": 0.0}


def _dated(created: int, rng) -> dict:
    return {"CreatedDate": created, "LastModifiedDate": modified(rng, created)}


def build_roles(plan: Plan) -> list[dict]:
    """The role hierarchy, set up minutes before the integration user that holds its last role."""
    rows: list[dict] = []
    for n, (name, parent) in enumerate(ROLES):
        created = START_MS - (len(ROLES) - n) * MINUTE
        rows.append({"Name": name, "DeveloperName": name.replace(" ", ""), "RollupDescription": name,
                     "ParentRoleId": rows[parent] if parent is not None else None,
                     "OpportunityAccessForAccountOwner": "Edit", "CreatedDate": created,
                     "LastModifiedDate": created})
    return rows


def build_campaigns(plan: Plan) -> list[dict]:
    rng = plan.rng("campaigns")
    rows = []
    for n in range(plan.preset.campaigns):
        start = between(rng, START_MS, END_MS - 60 * DAY)
        fundraising = n % 4 == 3
        year, month = int(date_text(start)[:4]), int(date_text(start)[5:7])
        season = _SEASONS[month % 12 // 3]
        rows.append({
            "Name": f"{season} {year} {'Giving Drive' if fundraising else 'Volunteer Recruitment'}",
            "Type": "Fundraising" if fundraising else "Volunteer Recruitment",
            "Status": "Completed" if start + 60 * DAY < END_MS - 90 * DAY else "In Progress",
            "StartDate": date_text(start), "EndDate": date_text(start + 60 * DAY),
            "IsActive": int(start + 60 * DAY >= END_MS - 90 * DAY),
            "Description": "Recruiting career speakers and mentors for the coming sessions" if not fundraising
            else "Year-end appeal to volunteers and partner organizations",
            "BudgetedCost": float(rng.choice((500, 1000, 2500))),
            "ExpectedRevenue": float(rng.choice((5000, 10000))) if fundraising else None,
            **_dated(max(START_MS, start - between(rng, 0, 14 * DAY)), rng),
        })
    return rows


def build_campaign_members(plan: Plan, campaigns: list[dict]) -> list[dict]:
    rng = plan.rng("campaign-members")
    recruiting = [c for c in campaigns if c["Type"] == "Volunteer Recruitment"] or campaigns
    rows, seen = [], set()
    for _ in range(plan.preset.campaign_members if recruiting else 0):
        campaign = rng.choice(recruiting)
        lead = chance(rng, 0.1) and plan.leads
        person = rng.choice(plan.leads if lead else plan.volunteers)
        if (id(campaign), id(person)) in seen:
            continue
        seen.add((id(campaign), id(person)))
        status = _MEMBER_STATUSES.pick(rng)
        created = after(rng, max(campaign["CreatedDate"], person["CreatedDate"]), 30 * DAY)
        rows.append({
            "CampaignId": campaign, "LeadId" if lead else "ContactId": person, "Status": status,
            "HasResponded": int(status != "Sent"),
            "FirstRespondedDate": date_text(after(rng, created, 10 * DAY)) if status != "Sent" else None,
            **_dated(created, rng),
        })
    return rows


def build_price_book(plan: Plan) -> tuple[list[dict], list[dict], list[dict]]:
    """The products, the standard price book and one entry per product in it."""
    products = [{"Name": name, "ProductCode": code, "Family": family, "IsActive": 1,
                 "Description": f"{name} for a partner organization", "CreatedDate": START_MS + n,
                 "LastModifiedDate": START_MS + n}
                for n, (name, code, family, _price) in enumerate(PRODUCTS)]
    book = {"Name": "Standard Price Book", "IsActive": 1, "IsStandard": 1, "CreatedDate": START_MS,
            "LastModifiedDate": START_MS}
    entries = [{"Name": product["Name"], "Pricebook2Id": book, "Product2Id": product,
                "ProductCode": product["ProductCode"], "UnitPrice": price, "IsActive": 1, "UseStandardPrice": 0,
                "CreatedDate": START_MS + n, "LastModifiedDate": START_MS + n}
               for n, (product, (*_, price)) in enumerate(zip(products, PRODUCTS, strict=True))]
    return products, [book], entries


def build_opportunities(plan: Plan, campaigns: list[dict], book: dict,
                        entries: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Donations, their line items (sponsorships) and contact roles (volunteer donors)."""
    rng = plan.rng("opportunities")
    drives = [c for c in campaigns if c["Type"] == "Fundraising"]
    donors = [v for v in plan.volunteers if isinstance(v.get("AccountId"), dict)]
    opportunities, items, roles = [], [], []
    for _ in range(plan.preset.opportunities):
        from_volunteer = donors and (chance(rng, 0.5) or not plan.organizations)
        donor = rng.choice(donors) if from_volunteer else None
        account = donor["AccountId"] if donor else rng.choice(plan.organizations)
        created = after(rng, max(account["CreatedDate"], donor["CreatedDate"] if donor else START_MS), 400 * DAY)
        stage = _STAGES.pick(rng)
        running = [c for c in drives if c["CreatedDate"] <= created]
        sponsorship = donor is None and chance(rng, 0.3)
        amount = float(rng.choice((25, 50, 100, 250, 500) if donor else (1000, 2500, 5000, 10000)))
        opportunity = {
            "Name": f"{account['Name']} {'Sponsorship' if sponsorship else 'Donation'} {date_text(created)}",
            "AccountId": account, "StageName": stage, "Amount": amount,
            "CloseDate": date_text(after(rng, created, 45 * DAY)),
            "Type": "Sponsorship" if sponsorship else "Donation", "Probability": _PROBABILITY[stage],
            "IsClosed": int(stage.startswith("Closed")), "IsWon": int(stage == "Closed Won"),
            "CampaignId": rng.choice(running) if running and chance(rng, 0.4) else None,
            "Pricebook2Id": book if sponsorship else None,
            "LeadSource": "Volunteer" if donor else rng.choice(("Web", "Event", "Other")),
            "npsp__Primary_Contact__c": donor, **_dated(created, rng),
        }
        opportunities.append(opportunity)
        if sponsorship:
            entry = entries[0]
            quantity = float(max(1, round(amount / entry["UnitPrice"])))
            items.append({"OpportunityId": opportunity, "PricebookEntryId": entry, "Product2Id": entry["Product2Id"],
                          "Quantity": quantity, "UnitPrice": entry["UnitPrice"],
                          "TotalPrice": quantity * entry["UnitPrice"], "ServiceDate": opportunity["CloseDate"],
                          "CreatedDate": created, "LastModifiedDate": created})
        if donor:
            roles.append({"OpportunityId": opportunity, "ContactId": donor, "Role": "Donor", "IsPrimary": 1,
                          "CreatedDate": created, "LastModifiedDate": created})
    return opportunities, items, roles
