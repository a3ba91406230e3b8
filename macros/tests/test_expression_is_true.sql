{#
    Fails for every row where `expression` is not true (a null counts as a failure).

    Arguments:
    - expression: a SQL boolean expression over the model's columns.
    - where (config): restrict the rows checked, as for any dbt test.
#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)

{% endtest %}
