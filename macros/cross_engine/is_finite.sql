{# True when a double is a number (not NaN, +Inf or -Inf); null when it is null. #}
{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite', 'broker_segments')(expression)) }}
{%- endmacro %}

{% macro default__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{# Spark has isnan but no isinf or isfinite: x - x is NaN for NaN and for an infinity only. #}
{% macro spark__is_finite(expression) -%}
    case when {{ expression }} is not null then not isnan({{ expression }} - {{ expression }}) end
{%- endmacro %}
