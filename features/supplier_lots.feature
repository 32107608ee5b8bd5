@requisition_to_receipt @variation @REQ-PUR-002
Feature: Supplier lots expiring soon or already expired on one receipt
  A supplier's delivery note lists several lots of the site's lot-tracked supply, each with its quantity and
  expiry date. The storekeeper records them on the order's receipt as they are written; when a lot has
  expired (or is past the removal date the product sets), Odoo 19 warns before validating and the storekeeper
  either refuses the flagged lots ("Proceed except expired") or takes them in ("Confirm"). A lot that expires
  soon is taken in and shows on Odoo's expiration alerts (the product's "Alert Date", days before expiry).

  The supply, the supplier, the receipt type and the order come from the site's profile; the lots, their
  quantities and their expiry dates (relative to today) are the table's. Where the lots fall short of the
  order, the backorder question is answered as the site expects.

  Scenario Outline: Three supplier lots, one expiring soon and one already expired, arrive on one receipt
    Given the site requires a manager's approval for purchases above its approval limit
    And the requester raises a requisition for the site's lot-tracked supply above the approval limit
    When the requester confirms the requisition
    And the approver approves the order
    Then the order is approved and a receipt is planned into the site's warehouse
    When the storekeeper receives the order with these supplier lots, <answer> any lot Odoo flags as expired:
      | quantity | expires     |
      | 10       | in 720 days |
      | 10       | in 45 days  |
      | 10       | 3 days ago  |
    Then Odoo warned the storekeeper that the delivery holds an expired lot
    And the lot with expiry date 3 days ago <expired lot>
    And the lot with expiry date in 720 days is in the site's stock with its expiry date
    And the lot with expiry date in 45 days is in the site's stock with its expiry date
    And the lot with expiry date in 45 days is on Odoo's expiration alerts

    Examples:
      | answer    | expired lot                                |
      | refusing  | was refused and is in no stock             |
      | accepting | is in the site's stock, flagged as expired |
