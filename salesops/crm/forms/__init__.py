"""CRM forms, one module per area: accounts (customers, contacts, leads, pool, imports), sales
(products, opportunities, activities), contracts (contracts, approvals, payments, partners).
Forms hold no business rules: views pass their cleaned data to the services."""
