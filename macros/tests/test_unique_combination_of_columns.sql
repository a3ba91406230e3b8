{#
    Fails for every combination of `combination_of_columns` that occurs more than once. On a
    per-day table, `where: rows_of_latest_load` (the test's config) checks the rows the build
    loaded: a grain that holds the date has its duplicates within those days.

    Arguments: _tests__macros.yml (beside this file).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

    with

    checked_rows as (

        select * from {{ model }}

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
