{#
    A hook that turns DuckDB's common-subplan optimizer off (enabled=false) for a model's
    query, or back on (enabled=true); nothing on other engines. DuckDB 2.0 materializes a
    subquery a query reads twice, every row of it; a model that reads a per-day table in
    several date ranges, each pruned by its join to its own days, needs each read apart.
#}
{% macro common_subplans(enabled) -%}
    {{ return(adapter.dispatch('common_subplans', 'broker_segments')(enabled)) }}
{%- endmacro %}

{% macro default__common_subplans(enabled) -%}
{%- endmacro %}

{% macro duckdb__common_subplans(enabled) -%}
    {%- if enabled -%}
        reset disabled_optimizers
    {%- else -%}
        set disabled_optimizers = 'common_subplan'
    {%- endif -%}
{%- endmacro %}
