"""Exports: what leaves the app as a file.

``ledger_layout`` writes the filled-in ledger in the plan's own layout, ``writeback`` fills the
uploaded workbook itself, ``flat`` one row per measure (xlsx/csv), ``interchange`` the JSON
format of DESIGN.md, ``audit`` the history, ``evaluation_report`` the 评估总结报告 (.docx/PDF);
``rows`` streams measures in ledger order for all of them, ``cells`` keeps text a spreadsheet
must show as text, ``plan_files`` writes a plan's download in any of its formats. May import the
readers (``tasks.ledgerfiles``, to find the layout again), standing, workflow and the models.
"""
