{#
    Fails for every combination of `combination_of_columns` that occurs more than once.

    Arguments: _tests__macros.yml (beside this file).
#}
{% test unique_combination_of_columns(model, combination_of_columns, latest_load_date_column=none) %}

    with

    checked_rows as (

        select * from {{ model }}
        {%- if latest_load_date_column and var('test_full_history') not in [true, 'true'] %}
            {#- the run's first day when it names one (make build, Dagster: the new days),
                else the first day of the rows of the highest loaded_through_date -#}
            {%- set run_start = run_event_time('start') %}
            where {{ latest_load_date_column }} >= {% if run_start -%}
                cast('{{ run_start }}' as date)
            {%- else -%} (
                select min({{ latest_load_date_column }})
                from {{ model }}
                where loaded_through_date = (select max(loaded_through_date) from {{ model }})
            )
            {%- endif %}
        {%- endif %}

    ),

    -- a hash of the combination first (one number per row), then the exact combination only
    -- for the hashes that occur twice: on hundreds of millions of balance rows this costs a
    -- fraction of grouping every row by its columns
    repeated_hashes as (

        select {{ hash_of(combination_of_columns) }} as combination_hash
        from checked_rows
        group by {{ hash_of(combination_of_columns) }}
        having count(*) > 1

    )

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from checked_rows
    where {{ hash_of(combination_of_columns) }} in (select combination_hash from repeated_hashes)
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

{% endtest %}
