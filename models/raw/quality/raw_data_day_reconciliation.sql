{{ config(post_hook="{{ warn_unloaded_days() }}") }}
-- The days of the per-day raw tables whose rows are not all loaded as the files hold them now:
-- per day, the rows the export's files hold against the rows the microbatch model holds for
-- it (copies included), and the files its rows were loaded from that have changed or gone
-- since (each row keeps its file's fingerprint: int_raw_files; int_raw_day_loads counts the
-- loaded rows per day and file as the days are loaded). Empty when every day is
-- loaded. A day listed here has a late file, a file rewritten in place or removed after the
-- day was loaded, or no run's --event-time-start/--event-time-end covered it (a plain dbt
-- build takes its batches from the wall clock); the build warns with the days, the files and
-- the command that loads them again, and the test raw_days_loaded fails
-- (raw_data_reconciliation fails with it).
{#- per table: its day (raw_contract_columns; the microbatch model is int_<table>_validated) -#}
{% set per_day_tables = {} %}
{% for table_name in ['daily_balances', 'trades'] %}
    {% do per_day_tables.update({table_name: raw_contract_columns(table_name).day}) %}
{% endfor %}
with

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

raw_files as (

    select * from {{ ref('int_raw_files') }}

),

-- per table, day and file loaded from: the rows, and the file's fingerprint when they were
-- loaded
day_loads as (

    select * from {{ ref('int_raw_day_loads') }}

),

{% for table_name, date_column in per_day_tables.items() %}
    -- rows dated after the export's last day are no day's (int_trades_unbatched holds them)
    {{ table_name }}_read as (

        select
            rows_read.{{ date_column }} as event_date,
            count(*) as rows_read
        from {{ ref('stg_broker__' ~ table_name) }} as rows_read
        cross join export_last_day
        where rows_read.{{ date_column }} <= export_last_day.last_balance_date
        group by rows_read.{{ date_column }}

    ),

    {{ table_name }}_loaded_files as (

        select * from day_loads
        where table_name = '{{ table_name }}'

    ),

    {{ table_name }}_loaded as (

        select
            event_date,
            sum(rows_loaded) as rows_loaded
        from {{ table_name }}_loaded_files
        group by event_date

    ),

    -- the files a day was loaded from that are not the same now (few): rewritten, or gone (a
    -- removed file named as it was when its rows were loaded)
    {{ table_name }}_files_changed as (

        select
            loaded_files.event_date,
            loaded_files.source_file_id,
            coalesce(raw_files.source_file, loaded_files.source_file) as source_file,
            case when raw_files.source_file_id is null then 'removed' else 'changed' end
                as file_change
        from {{ table_name }}_loaded_files as loaded_files
        left join raw_files
            on
                loaded_files.source_file_id = raw_files.source_file_id
                and raw_files.table_name = '{{ table_name }}'
        where
            raw_files.source_file_id is null
            or raw_files.source_file_fingerprint
            is distinct from loaded_files.source_file_fingerprint

    ),

    {{ table_name }}_changed as (

        select
            files_changed.event_date,
            {{ ordered_string_agg(
                "files_changed.source_file || ' (' || files_changed.file_change || ')'",
                "', '",
                "files_changed.source_file"
            ) }} as changed_files
        from {{ table_name }}_files_changed as files_changed
        group by files_changed.event_date

    ),

{% endfor %}
final as (

    {% for table_name in per_day_tables %}
        select
            '{{ table_name }}' as table_name,
            coalesce({{ table_name }}_read.event_date, {{ table_name }}_loaded.event_date)
                as event_date,
            cast(coalesce({{ table_name }}_read.rows_read, 0) as bigint) as rows_read,
            cast(coalesce({{ table_name }}_loaded.rows_loaded, 0) as bigint) as rows_loaded,
            {{ table_name }}_changed.changed_files
        from {{ table_name }}_read
        full outer join {{ table_name }}_loaded
            on {{ table_name }}_read.event_date = {{ table_name }}_loaded.event_date
        left join {{ table_name }}_changed
            on
                coalesce({{ table_name }}_read.event_date, {{ table_name }}_loaded.event_date)
                = {{ table_name }}_changed.event_date
        where
            {{ table_name }}_read.rows_read is distinct from {{ table_name }}_loaded.rows_loaded
            or {{ table_name }}_changed.changed_files is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
