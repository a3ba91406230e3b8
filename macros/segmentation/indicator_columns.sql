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
