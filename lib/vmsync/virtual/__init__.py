"""Virtual sessions: the Pathful session report imported into the same database the Salesforce steps fill.

The report never passes through Salesforce; it comes as a spreadsheet (a ``.xlsx`` or ``.csv`` file, or a
published Google Sheet at an ``https://`` URL). One import, in order:

* ``source``  opens the file or URL as rows of cells;
* ``columns`` finds the header (tolerant of case and spacing) and checks the required columns;
* ``cells``   reads values: ids as text, blanks as NULL, dates in the organisation's time zone, stored in UTC;
* ``read``    validates the rows into sessions and people (partner and role filters, modes' cutoffs);
* ``match``   finds the synced teachers, volunteers, schools, districts and organizations they name;
* ``write``   upserts events and participation, keeps the rows as a raw layer, and notes what did not match;
* ``users`` / ``levels`` the optional User Report and school-level sheet;
* ``step``    runs it all in one transaction and records the step like any other (``step.run``).

The entity spec (``entities.virtual_sessions``) names the step, its tables and dependencies, and says why it
has nothing to do when no report is configured.
"""
