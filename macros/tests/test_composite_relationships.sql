{#
    A foreign key over several columns: fails for every row of the model whose combination of
    `columns` has no row in `to` with equal `to_columns` (default: the same names).
    A null in any of the columns counts as a missing parent.

    Arguments: _tests__macros.yml (beside this file).
#}
{% test composite_relationships(model, columns, to, to_columns=none) %}

    {% set parent_columns = to_columns or columns %}
    with

    child as (

        select * from {{ model }}

    ),

    parent as (

        select * from {{ to }}

    )

    select child.*
    from child
    where not exists (
        select 1
        from parent
        where
            {% for column in columns %}
                child.{{ column }} = parent.{{ parent_columns[loop.index0] }}
                {{ "and" if not loop.last }}
            {% endfor %}
    )

{% endtest %}
