{#
    A post-hook of raw_data_day_reconciliation: when days of a per-day raw table are not all
    loaded as the files hold them now, one warning naming them (the first and last, and how
    many), the files changed or removed since their days were loaded (the first day's), and
    the command that loads them again: a backfill of those days with dbt's microbatch flags.
#}
{% macro warn_unloaded_days() %}
    {%- if execute and this is not string -%}
        {%- set days = run_query(
            'select table_name, min(event_date), max(event_date), count(*), '
            ~ 'sum(rows_read), sum(rows_loaded), min(changed_files) from ' ~ this
            ~ ' group by table_name order by 1'
        ) -%}
        {%- for row in days.rows -%}
            {%- set first = row[1] | string -%}
            {%- set after_last = (row[2] + modules.datetime.timedelta(days=1)) | string -%}
            {%- do exceptions.warn(
                "Raw table '" ~ row[0] ~ "': " ~ row[3] ~ " day(s) from " ~ first ~ " to "
                ~ row[2] ~ " do not match the warehouse (the files hold " ~ row[4] ~ " row(s) of "
                ~ "them, the warehouse " ~ row[5]
                ~ (", loaded from files changed or removed since: " ~ row[6] if row[6] else "")
                ~ ": a late, changed or removed file, or days this "
                ~ "run's --event-time-start/--event-time-end did not cover). Load them again "
                ~ "with: dbt build "
                ~ "--event-time-start " ~ first ~ " --event-time-end " ~ after_last
                ~ " (make build passes the export's new days itself; days listed in "
                ~ "raw_data_day_reconciliation)."
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
