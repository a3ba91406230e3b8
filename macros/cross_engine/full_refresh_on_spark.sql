{#
    The full_refresh config of the incremental per-day models: true on Spark, where they are
    rebuilt over every date each run (Parquet tables take no DELETE or UPDATE, which their
    incremental hooks use); none elsewhere, so dbt's --full-refresh flag decides.
#}
{% macro full_refresh_on_spark() -%}
    {{ return(true if target.type == 'spark' else none) }}
{%- endmacro %}
