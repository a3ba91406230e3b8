{#
    Every column of the relation in scope but the listed ones: DuckDB's `* exclude (...)`,
    Spark's `* except (...)`.
#}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'broker_segments')(columns)) }}
{%- endmacro %}

{% macro default__star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}
