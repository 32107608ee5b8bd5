@transfer_to_consumption @variation @REQ-INV-002
Feature: Ward supply: every ward of a site is supplied from the store and consumes from its own stock
  A site has more than one ward. Each is supplied from the site's store by internal transfer, in the site's
  removal order (first expiry, first out for medical supplies), and its nurse records what was used from
  that ward's own stock with the site's consumption operation, charged at cost to the ward's expense account.

  "the ward" is the ward of the site's profile (transfer_to_consumption.ward_location). A ward in quotes is
  one the feature names: a name the site's profile gives ("second ward", under names: location:), so the
  same line means each site's own second ward, or a location's full name ("NSC/Ward B"). A name that matches
  no location blocks the scenario at that site, naming the key. That a named ward is an internal location of
  the site's warehouse, beside the store, and that Odoo takes the supply out of it in the removal order, are
  checked before the storekeeper or the nurse moves anything there.

  Scenario Outline: Each ward of the site is supplied from the store in removal order and its nurse consumes from it at cost
    Given the site's supply, store, ward and consumption are configured as the cycle relies on
    And the storekeeper has received supplier lots with different expiry dates into the site's store
    When the storekeeper requests <transferred> units of the site's supply from the store for <ward>
    Then Odoo reserves the store's lots in the site's removal order
    When the storekeeper validates the transfer to the ward
    Then stock by lot moved from the store to <ward> by exactly the transferred quantities
    And the transfer changed neither the stock value of the supply nor the books
    When the nurse records <used> units of the site's supply used on <ward>
    Then Odoo reserves the ward's lots in the site's removal order
    When the nurse validates the consumption
    Then stock by lot moved from <ward> to consumption by exactly the consumed quantities
    And the accountant finds the consumption booked from stock valuation to the ward's expense account at cost
    And the stock value of the supply fell by the cost of what was consumed

    Examples:
      | ward              | transferred | used |
      | the ward          | 30          | 25   |
      | the "second ward" | 24          | 10   |
