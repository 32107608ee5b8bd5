@preventive_maintenance @variation @REQ-BME-002
Feature: Each piece of a site's equipment is serviced at its own preventive interval
  A site's biomedical equipment does not all follow one schedule: the site expects each device to be serviced at
  its own interval (a defibrillator twice a year, a hospital's ventilator every 4 months). Each device has its own
  recurring preventive maintenance request; when the biomedical technician completes one, Odoo plans the next
  occurrence at that device's interval, counted from the previous scheduled date.

  "the site's equipment" is the equipment of the site's profile (preventive_maintenance), and "the site's
  interval" the interval the profile expects for it. A device in quotes is one the feature names: a name the
  site's profile gives ("second device", under names: equipment:), so the same line means each site's own
  second device, or a serial number or name as Odoo has it ("HGH-DF-0001"). A name that matches no equipment
  blocks the row at that site, naming the key. The named device must have exactly one open recurring preventive
  request of the site's company, assigned to the team that looks after it: that is checked before the
  technician does anything. The interval in a row is what the site expects, compared with the date Odoo
  actually planned.

  As in the preventive maintenance scenario, the technician works this run's own occurrence of the device's
  configured request, never the request itself, and cancels the next occurrence Odoo planned at the end.

  Scenario Outline: Each piece of the site's equipment is planned again at its own preventive interval
    Given the <equipment> has an open recurring preventive maintenance request
    And the technician opens this run's occurrence of the preventive maintenance with the configured recurrence
    When the technician starts work on the preventive maintenance
    And the technician logs a note of the work done on the preventive maintenance
    And the technician completes the preventive maintenance
    Then the preventive maintenance is closed with today's close date
    And Odoo plans exactly one next occurrence of the preventive maintenance, named after the run
    And the next occurrence is due <interval> after the previous scheduled date
    And the next occurrence keeps the equipment, the team and the recurrence
    And the equipment's configured preventive schedule has not moved
    When the technician cancels the run's next occurrence and dismisses the run's maintenance reminders
    Then no preventive maintenance of this run is left open on the equipment

    Examples: Every site's own equipment, at the interval its profile expects
      | equipment         | interval            |
      | site's equipment  | the site's interval |

    Examples: Harbour Health (the reference rollout): second devices twice a year, the hospital's defibrillator every 3 months
      | site              | equipment       | interval |
      | CLINIC, HOSP, LAB | "second device" | 6 months |
      | HOSP              | "HGH-DF-0001"   | 3 months |

    Examples: Meridian (the second rollout): second devices every 3 months
      | site       | equipment       | interval |
      | WEST, EAST | "second device" | 3 months |
