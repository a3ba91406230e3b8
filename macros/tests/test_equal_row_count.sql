{#
    Fails (one row) when the model does not have as many rows as `compare_model`, e.g. a mart
    that must keep exactly one row per row of its driving model.

    Arguments: _tests__macros.yml (beside this file).
#}
{% test equal_row_count(model, compare_model) %}

    with

    model_rows as (

        select count(*) as row_count from {{ model }}

    ),

    compare_model_rows as (

        select count(*) as row_count from {{ compare_model }}

    )

    select
        model_rows.row_count as model_row_count,
        compare_model_rows.row_count as compare_model_row_count
    from model_rows
    cross join compare_model_rows
    where model_rows.row_count <> compare_model_rows.row_count

{% endtest %}
