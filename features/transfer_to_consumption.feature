@transfer_to_consumption @REQ-INV-001
Feature: Transfer to consumption
  A site's storekeeper supplies a ward with lot- and expiry-tracked medical supplies from the site's
  store by internal transfer, and the ward's nurse records what was used with the site's consumption
  operation. Supplies leave in the site's removal order - first expiry, first out for medical supplies -
  and what is used is charged to the ward's consumption expense at cost, out of stock valuation.

  Before anything is received, the scenario checks what it relies on in the site's configuration: the
  kinds of the operations, that the consumption operation delivers into a consumption location that
  carries the expense account, the store and ward of the site, the supply's tracking, removal strategy
  and valuation.

  Done as each role would: the supplier's delivery that stocks the store (a receipt of run-tagged lots with
  different expiry dates, the longest-dated listed first), the storekeeper's transfer and the nurse's
  consumption record, over Odoo's API or on Odoo's screens as that role (the run's mode). The lots the business expects are worked out from the
  stock Odoo holds (every lot in the store or on the ward, not only this run's) and compared with what
  Odoo reserves. Products, locations, operation types, quantities and accounts come from the site's
  profile.

  Scenario: Supplies reach the ward in removal order and what is used is charged to the ward at cost
    Given the site's supply, store, ward and consumption are configured as the cycle relies on
    And the storekeeper has received supplier lots with different expiry dates into the site's store
    And the store's lots expire in a different order than they arrived
    When the storekeeper requests the ward's supplies from the store
    Then Odoo reserves the store's lots in the site's removal order
    When the storekeeper validates the transfer to the ward
    Then stock by lot moved from the store to the ward by exactly the transferred quantities
    And the transfer changed neither the stock value of the supply nor the books
    When the nurse records the supplies used on the ward
    Then Odoo reserves the ward's lots in the site's removal order
    When the nurse validates the consumption
    Then stock by lot moved from the ward to consumption by exactly the consumed quantities
    And the accountant finds the consumption booked from stock valuation to the ward's expense account at cost
    And the stock value of the supply fell by the cost of what was consumed
