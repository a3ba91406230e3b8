{#
    The numeric indicators of customer_indicators (docs/domain.md), in the domain's order:
    the columns a segmentation scheme may take as inputs and a profile describes. Python's
    copy, with the Chinese terms, is broker_segments.project.INDICATORS;
    tests/python/test_project_facts.py checks the two and docs/domain.md agree.
#}
{% macro indicator_columns() %}
    {{ return([
        'open_trading_days', 'avg_daily_cash', 'avg_daily_market_value', 'avg_daily_assets',
        'end_assets', 'asset_growth', 'annual_commission', 'annual_trade_volume', 'trade_count',
        'active_trading_days', 'active_months', 'product_breadth', 'net_fund_inflow',
        'interest_margin_contribution', 'customer_contribution', 'annual_turnover',
        'account_age_years', 'days_since_last_trade',
    ]) }}
{% endmacro %}

{#
    The indicators a new customer's short history measures, which the functions that place
    new customers may take (var new_customer_twin_inputs; docs/domain.md): window totals and
    averages, not tenure, recency, net inflow or growth. Python's copy is
    broker_segments.segmentation.twins.TWIN_TRANSFORMS (tests/python/test_segmentation_twins.py
    checks the two agree).
#}
{% macro twin_input_columns() %}
    {{ return([
        'avg_daily_cash', 'avg_daily_market_value', 'avg_daily_assets', 'annual_commission',
        'annual_trade_volume', 'trade_count', 'active_trading_days', 'active_months',
        'product_breadth', 'interest_margin_contribution', 'customer_contribution',
        'annual_turnover',
    ]) }}
{% endmacro %}
