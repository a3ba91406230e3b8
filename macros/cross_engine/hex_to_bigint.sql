{# Hexadecimal text (at most 15 digits, no prefix) as a bigint. #}
{% macro hex_to_bigint(expression) -%}
    {{ return(adapter.dispatch('hex_to_bigint', 'broker_segments')(expression)) }}
{%- endmacro %}

{% macro default__hex_to_bigint(expression) -%}
    cast('0x' || {{ expression }} as bigint)
{%- endmacro %}

{# Spark casts '0x...' text to null: conv() turns base 16 into base 10 text. #}
{% macro spark__hex_to_bigint(expression) -%}
    cast(conv({{ expression }}, 16, 10) as bigint)
{%- endmacro %}
