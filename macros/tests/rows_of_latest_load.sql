{#
    Tests of the per-day tables check the rows of the latest load (`where: rows_of_latest_load`
    in a test's config): those whose loaded_through_date is the export's last day. A first
    build or --full-refresh loads every row, a daily build or a backfill the days it is given;
    older rows were checked when they were loaded. var test_full_history: true checks every
    row.

    The rows a build loads that is given --event-time-start D, on a warehouse that held days
    before D (no first build, no --full-refresh), are those dated D or later
    (loads_run_days): then the filter also bounds the tested table's event_time column by D,
    so Spark reads only those date partitions and DuckDB skips the older row groups, instead
    of reading every date to find the few rows of the latest load.

    dbt's get_where_subquery wraps the tested relation in the test's `where`; this project's
    version expands `rows_of_latest_load` at run time (a test's config is rendered when the
    project is parsed, without the run's flags), and leaves any other `where` as dbt does.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'rows_of_latest_load' -%}
        {%- set where = rows_of_latest_load() -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The condition of `where: rows_of_latest_load` for the test being run. -#}
{% macro rows_of_latest_load() -%}
    {%- if var('test_full_history') in [true, 'true'] -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {#- named in the target's schema: the test does not depend on int_export_last_day -#}
    {%- set condition = 'loaded_through_date >= (select max(last_balance_date) from '
        ~ target.schema ~ '.int_export_last_day)' -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) if execute else none -%}
    {%- set event_time = tested.config.get('event_time') if tested else none -%}
    {%- set start = run_event_time('start') -%}
    {#- the calendar of the days loaded (of the build before, when the test runs first) -#}
    {%- set calendar = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='int_balance_days'
    ) if event_time and start and not flags.FULL_REFRESH else none -%}
    {%- if calendar -%}
        {%- set first_day = run_query(
            'select cast(min(balance_date) as ' ~ dbt.type_string() ~ ') from ' ~ calendar
        ).columns[0].values()[0] -%}
        {#- a first build (no day before D loaded) also loads the history before D -#}
        {%- if first_day and first_day < start -%}
            {%- set condition = condition ~ ' and ' ~ event_time ~ " >= cast('" ~ start
                ~ "' as date)" -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(condition) }}
{%- endmacro %}
