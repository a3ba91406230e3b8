-- Box's M test of equality of covariance matrices (协方差矩阵的均等性箱式检验, SPSS
-- DISCRIMINANT's "Test Results"): do the K-means groups share one covariance matrix of the
-- inputs' z-scores, the assumption of Fisher's linear functions? Groups with a singular
-- covariance are left out of the test, as the note says.
with

box_m_tests as (

    {{ artifact_table('box_m_test') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        box_m,
        f,
        df1,
        df2,
        p_value,
        groups_used,
        note
    from box_m_tests

)

select * from final
