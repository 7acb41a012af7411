"""CRM services, one module per area: accounts (customers, contacts, leads, pool), sales
(products, stages, opportunities, activities), contracts (contracts, approvals, payments,
partners)."""
