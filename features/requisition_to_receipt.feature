@requisition_to_receipt @REQ-PUR-001
Feature: Requisition to receipt
  A site buys lot-tracked medical supplies from its supplier under the group's purchase approval
  policy, receives them with the supplier's lot numbers and expiry dates, and pays the supplier for
  what arrived at the price agreed on the order.

  In Odoo 19 Community a requisition is a request for quotation (RFQ) that the site's requester raises:
  Purchase Agreements have no requester workflow. Quantities, prices, limits and the short-shipment
  policy come from the site's profile.

  Scenario: An order above the approval limit is approved, received short with lots, and billed on receipt
    Given the site requires a manager's approval for purchases above its approval limit
    And the requester raises a requisition for the site's lot-tracked supply above the approval limit
    When the requester confirms the requisition
    Then the order waits for a manager's approval
    When the requester tries to approve the order
    Then the requester cannot approve the order
    When the approver approves the order
    Then the order is approved and a receipt is planned into the site's warehouse
    When the storekeeper receives the first delivery with the supplier's lots and expiry dates
    Then the short shipment is handled as the site expects
    And the received lots are in the site's stock with the supplier's expiry dates
    And on-hand stock at the site rose by exactly the received quantity
    And no other location at any site holds the received lots
    When the accountant bills the order
    Then the bill is for the received quantity at the order's price
    And the bill is posted

  Scenario: An order within the approval limit is confirmed at once and can be cancelled
    Given the site requires a manager's approval for purchases above its approval limit
    And the requester raises a requisition for the site's lot-tracked supply worth 60 percent of the approval limit
    When the requester confirms the requisition
    Then the order is approved without waiting for a manager
    When the requester cancels the order
    Then the order is cancelled and no receipt is awaited
