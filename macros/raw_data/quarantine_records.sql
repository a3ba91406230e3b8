{#
    The quarantined rows of one validated raw table, in the shape of the quarantined_rows
    mart: table name, the key as text, the reason, how many copies were read, where the row
    came from, the value that did not parse (if that is the reason), and the whole row as JSON (the tables have different columns).
#}
{% macro quarantine_records(relation, table_name) %}
    {% set columns = raw_contract_columns(table_name) %}
    select
        '{{ table_name }}' as table_name,
        concat_ws('|', {% for column in columns.key %}cast({{ column }} as string){{ ", " if not loop.last }}{% endfor %}) as record_key,
        quarantine_reason,
        row_copies,
        source_file,
        source_row_number,
        invalid_value,
        {{ json_record(columns.key + columns['values']) }} as raw_record
    from {{ relation }}
    where quarantine_reason is not null
{% endmacro %}

{#
    The rows a reader quarantined at read time (quarantined: a CTE of validated rows with
    reason_at_read), in the shape quarantine_records reads: the reason read, and the file's
    name looked up for the rows that carry only its hash (a row judged at read time), from the
    raw rows of those rows' days only (raw_relation: the table's staging CTE).
#}
{% macro quarantined_at_read(quarantined, raw_relation, table_name, date_column) %}
    {%- set columns = raw_contract_columns(table_name) -%}
    with

    raw_rows_of_unnamed as (

        select * from {{ raw_relation }}
        where
            {{ date_column }} in (
                select unnamed.{{ date_column }}
                from {{ quarantined }} as unnamed
                where unnamed.source_file is null
            )

    ),

    unnamed_files as (

        {{ raw_file_names('raw_rows_of_unnamed') }}

    )

    select
        {% for column in columns.key + columns['values'] -%}
            quarantined.{{ column }},
        {% endfor -%}
        quarantined.reason_at_read as quarantine_reason,
        quarantined.row_copies,
        coalesce(quarantined.source_file, unnamed_files.source_file) as source_file,
        quarantined.source_row_number,
        quarantined.invalid_value
    from {{ quarantined }} as quarantined
    left join unnamed_files
        on
            quarantined.source_file is null
            and quarantined.source_file_id = unnamed_files.source_file_id
{% endmacro %}
