{#
    The columns of each raw table of the contract, split into the key and the other columns,
    and for a per-day table its day (the date of its microbatches; a key without it, the
    trades', is compared within a day where a batch deduplicates).
    The one place the SQL layers read them from (deduplication, cleaned models, quarantine
    records); _broker__sources.yml documents the same columns, and
    tests/python/test_project_facts.py checks the two agree, order included.
#}
{% macro raw_contract_columns(table_name) %}
    {% set contract = {
        'customers': {
            'key': ['customer_id'],
            'values': ['open_date', 'close_date', 'branch_id', 'birth_year', 'risk_level', 'channel'],
        },
        'trades': {
            'day': 'trade_date',
            'key': ['trade_id'],
            'values': [
                'customer_id', 'trade_date', 'security_code', 'product_type', 'side',
                'quantity', 'price', 'amount', 'commission',
            ],
        },
        'daily_balances': {
            'day': 'balance_date',
            'key': ['customer_id', 'balance_date'],
            'values': ['cash_balance', 'market_value'],
        },
        'fund_transfers': {
            'key': ['transfer_id'],
            'values': ['customer_id', 'transfer_date', 'direction', 'amount'],
        },
    } %}
    {% if table_name not in contract %}
        {{ exceptions.raise_compiler_error("raw_contract_columns: unknown raw table '" ~ table_name ~ "'") }}
    {% endif %}
    {{ return(contract[table_name]) }}
{% endmacro %}
