{#
    Runs before every build (on-run-start), after check_raw_sources has checked the var: the
    DuckDB session's time zone becomes var exchange_timezone, for every connection of the run
    (`set global`). A raw date column whose files mix DATE and TIMESTAMP WITH TIME ZONE is
    read as the latter, each DATE taken as midnight in the session's time zone; with the
    process's zone (TZ=Pacific/Kiritimati) raw_to_date would then move those dates a day.
    So no date depends on the machine's time zone. Spark reads such a column's files apart
    (no cast at read), and its dates do not depend on the session's zone: nothing to do.
#}
{% macro use_exchange_time_zone() %}
    {{ return(adapter.dispatch('use_exchange_time_zone', 'broker_segments')()) }}
{% endmacro %}

{% macro default__use_exchange_time_zone() %}
    {% if execute %}
        {% do run_query('set global TimeZone = ' ~ sql_string(var('exchange_timezone'))) %}
    {% endif %}
{% endmacro %}

{% macro spark__use_exchange_time_zone() %}
{% endmacro %}
