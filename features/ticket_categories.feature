@helpdesk_escalation @variation @REQ-SVC-002
Feature: Ticket categories and their SLAs
  A site's service desk holds each ticket to the SLA policy of its category, so a ticket about critical
  equipment is due sooner than one about anything else. The deadline is counted in working hours on the
  service desk's working calendar from the moment the ticket is raised: nights, weekends and public holidays
  do not count. Each example states one site's own rule: the category of the ticket, the SLA policy it must
  be held to (by its name in Odoo) and the working hours that policy gives; the ticket must be held to that
  policy alone.

  The ticket carries the tags and priority the site's profile gives the service desk's ticket
  (helpdesk_escalation.ticket; Meridian's clinical-equipment policies hold only tickets tagged "Patient
  safety"); the example names its category.
  A category or an SLA policy the site does not have blocks that example at that site, naming it.
  The ticket is the run's own; it stays open and is archived at the end of the example.

  Scenario Outline: A ticket's category decides its SLA
    Given the site's service desk plans SLA deadlines on its expected working calendar
    When the tier-1 agent raises a ticket of category "<category>" at the site's service desk
    Then the ticket is under the SLA "<policy>" with a deadline <hours> working hours after it was raised
    And the ticket is under no other SLA

    Examples: Harbour Health (the reference rollout): critical equipment within 2 working hours
      | site   | category           | policy                                                                      | hours |
      | CLINIC | Critical equipment | Northside Clinic Service Desk: critical equipment within 2 working hours    | 2     |
      | CLINIC | Facilities         | Northside Clinic Service Desk: resolve within 8 working hours               | 8     |
      | HOSP   | Critical equipment | Harbour General Service Desk: critical equipment within 2 working hours     | 2     |
      | HOSP   | Facilities         | Harbour General Service Desk: resolve within 4 working hours                | 4     |
      | LAB    | Critical equipment | Harbour Diagnostics Service Desk: critical equipment within 2 working hours | 2     |
      | LAB    | Facilities         | Harbour Diagnostics Service Desk: resolve within 8 working hours            | 8     |

    Examples: Meridian (the second rollout): clinical systems within 24 working hours
      | site | category           | policy                                                               | hours |
      | WEST | Clinical equipment | West Hospital Service Desk: clinical equipment, patient safety (6 h) | 6     |
      | WEST | Clinical systems   | West Hospital Service Desk: clinical systems (24 h)                  | 24    |
      | EAST | Clinical equipment | East Clinic Service Desk: clinical equipment, patient safety (10 h)  | 10    |
      | EAST | Clinical systems   | East Clinic Service Desk: clinical systems (24 h)                    | 24    |
