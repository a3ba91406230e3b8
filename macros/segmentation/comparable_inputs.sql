{#
    A short history's window totals made comparable with a full window's (docs/domain.md,
    var new_customer_annualise): the SQL expression of each scaled indicator, total x factor
    (active months capped at the window's months) and what derives from them; an indicator
    not listed is kept as measured. One rule for the new customers
    (int_segment_inputs_standardised) and for the established customers' twins
    (int_segment_twin_inputs), so the twins are computed as the new customers are.
    Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro comparable_inputs(relation, factor, window_months) %}
    {{ return({
        'annual_commission': 'cast(' ~ relation ~ '.annual_commission as double) * ' ~ factor,
        'annual_trade_volume': 'cast(' ~ relation ~ '.annual_trade_volume as double) * ' ~ factor,
        'trade_count': 'cast(' ~ relation ~ '.trade_count as double) * ' ~ factor,
        'active_trading_days': 'cast(' ~ relation ~ '.active_trading_days as double) * ' ~ factor,
        'active_months': 'least(cast(' ~ relation ~ '.active_months as double) * ' ~ factor
            ~ ', ' ~ window_months ~ ')',
        'customer_contribution': relation ~ '.customer_contribution'
            ~ ' + cast(' ~ relation ~ '.annual_commission as double) * (' ~ factor ~ ' - 1)',
        'annual_turnover': relation ~ '.annual_turnover * ' ~ factor,
    }) }}
{% endmacro %}

{#
    The inverse of comparable_inputs: the SQL expression of an indicator's value, as measured,
    whose comparable value is `target` (a SQL expression), for the customer of `relation`
    (the other indicators as measured). Null where no measured value gives it (active months
    at or past the window's months). An indicator comparable_inputs does not scale is its own
    inverse. Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro measured_input(column, target, relation, factor, window_months) %}
    {%- set forms = comparable_inputs(relation, factor, window_months) %}
    {%- if column not in forms -%}
        ({{ target }})
    {%- elif column == 'active_months' -%}
        case when ({{ target }}) < {{ window_months }} then ({{ target }}) / {{ factor }} end
    {%- elif column == 'customer_contribution' -%}
        ({{ target }}) - cast({{ relation }}.annual_commission as double) * ({{ factor }} - 1)
    {%- else -%}
        {#- the other scaled indicators are total x factor #}
        ({{ target }}) / {{ factor }}
    {%- endif %}
{% endmacro %}
