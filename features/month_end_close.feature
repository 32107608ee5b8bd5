@month_end_close @per_company @REQ-FIN-001
Feature: Month-end close
  The company's accountant closes last month: nothing is left in draft, the books balance, the stock
  valuation account moves with the stock it values, and last month is locked against new and changed
  entries, for every user, with no lock exception lifting it.

  Simulated: "last month" is the latest calendar month that ended at least two days ago, so the lock never
  reaches today and what other cycles post today stays open. Before anything is posted, the journal, the
  accounts, how the supply is valued and the accountant's right to set a lock date are checked. The
  accountant posts a run-tagged accrual dated at the end of last month; the storekeeper receives a
  run-tagged delivery of the valued supply (with run-tagged lots when it is lot-tracked) and the accountant
  posts the supplier's run-tagged bill. After the lock, the accountant tries a run-tagged entry backdated
  into last month (Odoo 19 moves it to the first open date) and tries to reset the accrual to draft. The
  scenario runs once per company.

  The period lock is the company's Global Lock Date. Its previous value is written down before the lock is
  set and put back when the scenario ends, whether it passed or failed; then every entry the run posted in
  last month is reversed on its own date. A lock or a test entry left behind by an interrupted run is put
  right by the next run, which says so.

  Scenario: The accountant closes last month and locks it
    Given anything an interrupted close left behind has been put right
    And last month is open for the accountant
    And the journal, the accounts, the valued supply and the accountant's lock rights are as the close needs
    And the accountant has posted an accrual dated at the end of last month
    And the stock valuation account and the stock value of the company are noted
    When the storekeeper receives a delivery of the valued supply
    And the accountant posts the supplier's bill for the delivery
    Then Odoo valued the delivery at the supply's cost
    And the stock valuation account moved by exactly the change in stock value
    And no draft journal entries remain in last month
    And the trial balance at the end of last month balances
    And no lock exception lets anyone post into last month
    When the accountant sets the period lock date to the end of last month
    Then the period lock holds for the accountant
    And an entry backdated into last month does not land in last month
    And a posted entry of last month cannot be reset to draft
