@helpdesk_escalation @REQ-SVC-001
Feature: Helpdesk escalation
  A ticket raised at a site's service desk is held to the SLA policy the site expects, with a deadline
  counted in working hours on the service desk's working calendar: nights, weekends and public holidays
  do not count, so a ticket raised on a Sunday is due on Monday. When the deadline passes without a
  resolution, Odoo reports the SLA as breached and the site's own escalation rule (an automation rule)
  moves the ticket to tier 2, assigns it, raises its priority and writes a note in its chatter. After the
  tier-2 lead resolves the ticket, the breach stays on its record.

  What is simulated: nobody waits for a real deadline. The technical user moves this run's ticket's SLA
  deadline to a moment already past that Odoo's next escalation check will look at (the check only looks
  at deadlines since its previous run), then runs the scheduled action "Automation Rules: check and
  execute" at once, as its "Run Manually" button does; that runs every time-based automation rule of the
  database, as the scheduler would. Only the run's own ticket is touched: the escalation rule, the SLA
  policy, the calendar and the clock are not, and the harness never creates or changes the rule. Running
  the check moves the scheduled action's last and next run times and the rules' last run time, as any run
  of the scheduler does. Odoo writes "expired" on the stored SLA state only when the ticket changes stage;
  until then "breached" is Odoo's live reading of the deadline.

  Scenario: A ticket that misses its SLA is escalated to tier 2 and the breach stays on record
    Given the site's service desk plans SLA deadlines on its expected working calendar
    And the site's escalation rule for breached SLAs is active
    When the tier-1 agent raises a ticket at the site's service desk
    Then the ticket gets the site's SLA policy with a deadline on the team's working calendar
    And the ticket's SLA is not breached yet
    When the ticket's SLA deadline passes without a resolution
    Then the ticket's SLA is reported as breached
    When the site's scheduled escalation check runs
    Then the ticket is escalated as the site configured it
    And the tier-2 lead finds the escalated ticket in their open queue
    When the tier-2 lead resolves the ticket
    Then the ticket is closed and its SLA breach stays on record
