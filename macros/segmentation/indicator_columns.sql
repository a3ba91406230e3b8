{#
    Generated from src/broker_segments/indicators.yml (make generate): edit the registry.

    The numeric indicators of customer_indicators (docs/domain.md), in the domain's order:
    the columns a segmentation scheme may take as inputs and a profile describes.
#}
{% macro indicator_columns() %}
    {{ return([
        'open_trading_days', 'avg_daily_cash', 'avg_daily_market_value', 'avg_daily_assets',
        'end_assets', 'asset_growth', 'annual_commission', 'annual_trade_volume',
        'trade_count', 'active_trading_days', 'active_months', 'product_breadth',
        'net_fund_inflow', 'interest_margin_contribution', 'customer_contribution',
        'annual_turnover', 'account_age_years', 'days_since_last_trade',
    ]) }}
{% endmacro %}

{#
    The indicators a new customer's short history measures, which the functions that place
    new customers may take (var new_customer_twin_inputs; docs/domain.md): the registry's
    indicators with a twin_transform.
#}
{% macro twin_input_columns() %}
    {{ return([
        'avg_daily_cash', 'avg_daily_market_value', 'avg_daily_assets', 'annual_commission',
        'annual_trade_volume', 'trade_count', 'active_trading_days', 'active_months',
        'product_breadth', 'interest_margin_contribution', 'customer_contribution',
        'annual_turnover',
    ]) }}
{% endmacro %}

{#
    The least value each indicator can take, for the indicators that have one (the others
    take any real): a segment explanation's target value below it is no path (docs/domain.md).
#}
{% macro indicator_minimums() %}
    {{ return({
        'open_trading_days': 0, 'avg_daily_cash': 0, 'avg_daily_market_value': 0,
        'avg_daily_assets': 0, 'end_assets': 0, 'annual_commission': 0,
        'annual_trade_volume': 0, 'trade_count': 0, 'active_trading_days': 0,
        'active_months': 0, 'product_breadth': 0, 'interest_margin_contribution': 0,
        'customer_contribution': 0, 'annual_turnover': 0, 'account_age_years': 0,
        'days_since_last_trade': 0,
    }) }}
{% endmacro %}
