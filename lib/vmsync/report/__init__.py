"""Reports on runs: what happened, at a glance, as static HTML that opens anywhere without a server.

* ``summary``: everything the summary notebook (``notebooks/summary.ipynb``) shows about one run, read from
  the run folder (``run.json`` and each step's recorded figures) and from the run records in the database;
* ``index``: ``runs/index.html``, one line per run;
* ``alerts``: the message sent when a run fails or leaves new problems (webhook, email, a command);
* ``runfolder``: where a run folder keeps its ``run.json``, notebooks and renderings.

The runner calls ``index`` and ``alerts`` (and rebuilds a report with ``vmsync report``); nothing here runs a
sync or a notebook.
"""
