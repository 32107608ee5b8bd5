@preventive_maintenance @REQ-BME-001
Feature: Preventive maintenance
  Each site's biomedical equipment (an infusion pump, a defibrillator, a laboratory centrifuge) has a
  recurring preventive maintenance request, looked after by the site's biomedical team. When the site's
  biomedical technician completes a preventive maintenance, Odoo closes it and plans the next one at the
  interval the site expects, for the same team, with the same recurrence.

  What is simulated: the technician does not complete the site's configured request, which would move the
  real equipment's schedule one interval forward on every run. They open this run's own occurrence on the
  same equipment, named with the run id, with the team, scheduled date and recurrence read from the
  configured request, log a note of the work done on it and complete that one. Odoo names the next
  occurrence like the completed one, so it carries the run id too; at the end the technician cancels it (the request's "Cancel" button: archived,
  recurrence off) and dismisses the "Maintenance Request" reminders Odoo left on the run's requests, so
  runs pile up neither open requests on the equipment nor to-dos for the technician. The completed
  run occurrence stays on the equipment's history, done, named with the run id.
  The interval the site expects comes from the site's profile; the recurrence tested is Odoo's.

  Scenario: Completing a preventive maintenance closes it and plans the next one at the site's interval
    Given the site's equipment has an open recurring preventive maintenance request
    And the technician opens this run's occurrence of the preventive maintenance with the configured recurrence
    When the technician starts work on the preventive maintenance
    And the technician logs a note of the work done on the preventive maintenance
    And the technician completes the preventive maintenance
    Then the preventive maintenance is closed with today's close date
    And Odoo plans exactly one next occurrence of the preventive maintenance, named after the run
    And the next occurrence is due the site's interval after the previous scheduled date
    And the next occurrence keeps the equipment, the team and the recurrence
    And the equipment's configured preventive schedule has not moved
    When the technician cancels the run's next occurrence and dismisses the run's maintenance reminders
    Then no preventive maintenance of this run is left open on the equipment
