{#
    A scheme's fit table: the dbt Python model (DuckDB), or on Spark, where dbt runs no
    Python model, the table the command `python -m broker_segments.spark_fit` appends to
    (source segment_fits). dbt resolves the branch of the target it parses for.
#}
{% macro segment_fit(name) -%}
    {%- if target.type == 'spark' -%}
        {{ return(source('segment_fits', name)) }}
    {%- endif -%}
    {{ return(ref(name)) }}
{%- endmacro %}
