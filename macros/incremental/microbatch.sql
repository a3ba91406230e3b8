{#
    The per-day models (int_daily_balances_validated, int_trades_validated,
    int_customer_trade_days, int_raw_day_loads; config in the model) are dbt microbatch
    models: `event_time` the row's day, `batch_size` var per_day_batch_size (a month), so a
    first build or --full-refresh runs a few month batches (each deduplicated and checked on
    its own, memory bounded by a month's rows) and dbt filters each upstream ref that has an
    event_time to the batch. dbt takes a batch's range from --event-time-start/
    --event-time-end, which make build, Dagster and the tests pass from the data (python -m
    broker_segments.load_range: the days after the loaded ones up to the export's last day);
    a plain run takes them from the wall clock (the month so far and the previous one).

    A run given --event-time-start D1 --event-time-end D2 loads the days D1 .. D2 - 1, not the
    whole months around them (dbt truncates the start and rounds the end to the batch size):
    the model selects those days' rows (loads_run_days) and the batch's delete on DuckDB is
    clipped the same way (duckdb__get_incremental_microbatch_sql below); on Spark the batch
    drops the partitions of those days and writes them again (get_insert_overwrite_sql
    below), so a month's other days stay as they are. A daily run thus validates the new
    days only, and a backfill exactly the days it names.
#}

{#
    The rows of ref(model_name) a batch of a microbatch model loads (a select). An incremental
    batch: its days (dbt filters the ref to the batch) from the run's first day on, or every
    day of the batch for a model that replaces whole batches (config replaces_whole_batches,
    below: a rollup of each month). The first batch of a first build or --full-refresh (dbt
    runs it with is_incremental() false): every row dated before the batch's end, from the
    whole relation (ref(...).render(), which dbt does not filter), so history older than the
    run's first day (trades since 2005 where the balances start in 2024) is loaded once, with
    that batch, instead of one empty month batch per month since `begin`. A later batch that
    dbt compiles as not incremental (every batch of a first build on Spark, of --full-refresh
    on DuckDB) reads its own days only: without that lower bound each batch read, and on
    Spark rewrote, every earlier month again.
#}
{% macro batch_rows(model_name, date_column) -%}
    {%- if is_incremental() -%}
        select * from {{ ref(model_name) }}
        {%- if not config.get('replaces_whole_batches', false) %}
        where {{ loads_run_days(date_column) }}
        {%- endif %}
    {%- else -%}
        {%- set batch = model.get('batch') if model is mapping else none -%}
        {%- set batch_start = (batch.get('event_time_start') | string)[:10] if batch else none -%}
        {#- the run's first batch starts on or before the run's first day (or `begin`) -#}
        {%- set run_start = run_event_time('start') or (config.get('begin') | string)[:10] -%}
        select * from {{ ref(model_name).render() }}
        where
            {{ date_column }} is not null
            and {{ loads_run_days(date_column, from_start=false) }}
            {%- if batch_start and batch_start > run_start %}
            and {{ date_column }} >= cast('{{ batch_start }}' as date)
            {%- endif %}
            {%- if batch and batch.get('event_time_end') %}
            and {{ date_column }} < cast('{{ (batch.event_time_end | string)[:10] }}' as date)
            {%- endif %}
    {%- endif -%}
{%- endmacro %}

{# The day of --event-time-start or --event-time-end ('YYYY-MM-DD'), or none without it. #}
{% macro run_event_time(flag) %}
    {%- set day = invocation_args_dict.get('event_time_' ~ flag) -%}
    {{ return((day | string)[:10] if day else none) }}
{% endmacro %}

{# The model's rows of the run's days: on or after --event-time-start (unless not
   from_start) and before --event-time-end; every row of the batch without the flags. #}
{% macro loads_run_days(date_column, from_start=true) -%}
    {%- set start = run_event_time('start') if from_start else none -%}
    {%- set end = run_event_time('end') -%}
    {%- set conditions = ['1 = 1'] -%}
    {%- if start -%}
        {%- do conditions.append(date_column ~ " >= cast('" ~ start ~ "' as date)") -%}
    {%- endif -%}
    {%- if end -%}
        {%- do conditions.append(date_column ~ " < cast('" ~ end ~ "' as date)") -%}
    {%- endif -%}
    {{ conditions | join(' and ') }}
{%- endmacro %}

{#
    dbt-duckdb's microbatch (delete + insert of the batch's range on event_time), with the
    delete clipped to the run's days when they end inside the batch (see above). A model whose
    rows sum up a whole batch (config replaces_whole_batches: true, e.g. a month's rollup by
    its month) replaces the batch's rows whatever days the run names, as Spark's
    insert_overwrite replaces the batch's partitions.
#}
{% macro duckdb__get_incremental_microbatch_sql(arg_dict) -%}
    {%- set event_time = config.require('event_time') -%}
    {%- set days = batch_replaced_days(model.get('batch')) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set in_batch -%}
        {{ event_time }} >= '{{ days[0] }}' and {{ event_time }} < '{{ days[1] }}'
    {%- endset -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_batch }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
    where {{ in_batch }};
{%- endmacro %}

{#
    The days a batch replaces, [start, end) as 'YYYY-MM-DD': the batch's range, clipped to the
    run's --event-time-start/--event-time-end (the model's rows are those days', above) unless
    the model's rows sum up a whole batch (config replaces_whole_batches). DuckDB's delete and
    Spark's dropped partitions both take it.
#}
{% macro batch_replaced_days(batch) %}
    {%- set start = (batch.event_time_start | string)[:10] -%}
    {%- set end = (batch.event_time_end | string)[:10] -%}
    {%- if not config.get('replaces_whole_batches', false) -%}
        {%- set run_start = run_event_time('start') -%}
        {%- set run_end = run_event_time('end') -%}
        {%- if run_start and run_start > start %}{% set start = run_start %}{% endif -%}
        {%- if run_end and run_end < end %}{% set end = run_end %}{% endif -%}
    {%- endif -%}
    {{ return([start, end]) }}
{% endmacro %}

{# The batch size of a month rollup: var per_day_batch_size, but never less than a month. #}
{% macro month_batch_size() -%}
    {{ return('month' if var('per_day_batch_size') == 'day' else var('per_day_batch_size')) }}
{%- endmacro %}

{#
    dbt-spark's insert_overwrite, which its microbatch runs for each batch (dynamic partition
    overwrite), replaces only the date partitions the batch writes: a day whose rows have all
    left the export (its one file withdrawn, the day backfilled) would keep its old partition
    on Spark, where DuckDB's delete removes it. For a batch of a microbatch model, the
    partitions of the batch's days are dropped first (clipped to the run's days as on DuckDB,
    above). The statement is dbt-spark 1.11's own for a Parquet table, the project's
    file_format (macros/materializations/incremental/strategies.sql, which a project macro of
    the same name replaces; it cannot call it).
#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
    {%- set batch = model.get('batch') if model is mapping else none -%}
    {%- if batch and config.get('incremental_strategy') == 'microbatch' -%}
        {%- do drop_batch_partitions(target_relation, batch) -%}
    {%- endif -%}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set dest_cols_csv = dest_columns | map(attribute='quoted') | join(', ') -%}
    insert overwrite table {{ target_relation }}
    {{ partition_cols(label="partition") }}
    select {{ dest_cols_csv }} from {{ source_relation }}
{% endmacro %}

{# Drops the relation's date partitions (its partition_by column) of the batch's days. #}
{% macro drop_batch_partitions(relation, batch) %}
    {%- set partition_by = config.get('partition_by') -%}
    {%- set column = partition_by if partition_by is string else partition_by[0] -%}
    {%- set days = batch_replaced_days(batch) -%}
    {%- set first_day = modules.datetime.date.fromisoformat(days[0]) -%}
    {%- set n_days = (modules.datetime.date.fromisoformat(days[1]) - first_day).days -%}
    {%- set partitions = [] -%}
    {%- for offset in range(n_days) -%}
        {%- set day = first_day + modules.datetime.timedelta(days=offset) -%}
        {%- do partitions.append("partition (" ~ column ~ " = '" ~ day.isoformat() ~ "')") -%}
    {%- endfor -%}
    {%- if partitions -%}
        {%- do run_query(
            "alter table " ~ relation ~ " drop if exists " ~ partitions | join(", ")
        ) -%}
    {%- endif -%}
{% endmacro %}
