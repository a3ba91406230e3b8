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

    Tests of a month rollup (a microbatch model without loaded_through_date, whose batches a
    build replaces whole) check the batches the build wrote (`where: rows_of_run_batches`):
    on a build given --event-time-start D over a warehouse that held days before D, the rows
    of D's batch and later ones; every row otherwise.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'rows_of_latest_load' -%}
        {%- set where = rows_of_latest_load() -%}
    {%- elif where == 'rows_of_run_batches' -%}
        {%- set where = rows_of_run_batches() -%}
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
    {%- set from_start = run_batches_from('day') -%}
    {{ return(condition ~ (' and ' ~ from_start if from_start else '')) }}
{%- endmacro %}

{#- The condition of `where: rows_of_run_batches` for the test being run. -#}
{% macro rows_of_run_batches() -%}
    {%- if var('test_full_history') in [true, 'true'] -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {{ return(run_batches_from('batch') or '1 = 1') }}
{%- endmacro %}

{#- The tested table's event_time column from the start of the run's first batch (`grain`:
    day, or batch: the tested model's batch size), when the build was given --event-time-start
    D over a warehouse that held days before D; none otherwise (a first build, --full-refresh,
    no flags: the build loaded the history before D too). -#}
{% macro run_batches_from(grain) -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) if execute else none -%}
    {%- set event_time = tested.config.get('event_time') if tested else none -%}
    {%- if grain == 'batch' -%}
        {%- set grain = tested.config.get('batch_size') if tested else none -%}
    {%- endif -%}
    {%- set start = run_event_time('start') -%}
    {#- the calendar of the days loaded (of the build before, when the test runs first) -#}
    {%- set calendar = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='int_balance_days'
    ) if event_time and start and grain and not flags.FULL_REFRESH else none -%}
    {%- if not calendar -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first_day = run_query(
        'select cast(min(balance_date) as ' ~ dbt.type_string() ~ ') from ' ~ calendar
    ).columns[0].values()[0] -%}
    {%- if not first_day or first_day >= start -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = "cast('" ~ start ~ "' as date)" -%}
    {%- if grain != 'day' -%}
        {%- set day = 'cast(' ~ dbt.date_trunc(grain, day) ~ ' as date)' -%}
    {%- endif -%}
    {{ return(event_time ~ ' >= ' ~ day) }}
{%- endmacro %}
