@requisition_to_receipt @variation @REQ-PUR-003
Feature: Purchase approval by order size
  A purchase manager approves a site's larger orders. Odoo's Purchase settings ('Purchase Order
  Approval', minimum amount) give each company one approval limit, compared with an order's total
  tax included: an order of less than the limit is a purchase order as soon as the requester
  confirms it; an order of the limit or more waits for a purchase manager.

  An order's size is a share of the site's limit (whole units of its supply at the agreed price,
  rounded down below 100 percent and up from 100 percent) or an amount to the cent in the
  company's currency. Every order is cancelled at the end, so nothing stays awaited from the
  supplier.

  Scenario Outline: An order's size against the approval limit decides whether a manager approves it
    Given the site requires a manager's approval for purchases above its approval limit
    And the requester raises a requisition for the site's lot-tracked supply worth <percent> percent of the approval limit
    When the requester confirms the requisition
    Then the order <outcome>
    When the requester cancels the order
    Then the order is cancelled and no receipt is awaited

    Examples:
      | percent | outcome                                   |
      | 90      | is approved without waiting for a manager |
      | 99      | is approved without waiting for a manager |
      | 101     | waits for a manager's approval            |
      | 110     | waits for a manager's approval            |

  Scenario Outline: Each site's own approval limit decides, to the cent, whether a manager approves an order
    Given the site requires a manager's approval for purchases above its approval limit
    And the requester raises a requisition for the site's lot-tracked supply worth <amount>
    When the requester confirms the requisition
    Then the order <outcome>
    When the requester cancels the order
    Then the order is cancelled and no receipt is awaited

    # The laboratory's 15% tax on its reagent lets no one-line order come to exactly 3,000.00
    # (2,999.99 or 3,000.01): its limit is proven either side of it.
    Examples: The laboratory's manager approves orders of 3,000.00 or more
      | site | amount   | outcome                                   |
      | LAB  | 2,999.99 | is approved without waiting for a manager |
      | LAB  | 3,000.01 | waits for a manager's approval            |
      | LAB  | 4,000.00 | waits for a manager's approval            |

    Examples: The clinic's and the hospital's managers approve orders of 5,000.00 or more
      | site         | amount   | outcome                                   |
      | CLINIC, HOSP | 4,000.00 | is approved without waiting for a manager |
      | CLINIC, HOSP | 4,999.99 | is approved without waiting for a manager |
      | CLINIC, HOSP | 5,000.00 | waits for a manager's approval            |

    Examples: Meridian's managers approve orders of 7,500.00 or more
      | site       | amount   | outcome                                   |
      | WEST, EAST | 7,499.99 | is approved without waiting for a manager |
      | WEST, EAST | 7,500.00 | waits for a manager's approval            |
